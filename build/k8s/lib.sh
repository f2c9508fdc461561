#!/usr/bin/env bash
# What the local cluster's test (test.sh) and the hosted one (kind.sh) do
# alike to deploy/, so that make test runs the code the hosted job runs.
# Both run from the repository's root, with $work a scratch directory and
# kubectl on hand.

# render OVERLAY [IMAGE]: the overlay as kubectl kustomize renders it, from a
# copy whose image is IMAGE (name@digest), or as committed.
render() {
  local copy=${work:?render needs work, a scratch directory}/deploy-$1-$RANDOM
  cp -r deploy "$copy"
  if [[ -n ${2:-} ]]; then
    build/k8s/pin.sh "$copy" "$1" "$2" 2>/dev/null
  fi
  kubectl kustomize "$copy/overlays/$1"
}

# edit_catalog NAME: through the API, the catalog's ConfigMap with the
# first product of tea.json named NAME (edited_id prints its id).
edit_catalog() {
  jq --arg name "$1" '.products[0].name = $name' products/tea.json >"${work:?edit_catalog needs work, a scratch directory}/tea.json"
  kubectl -n product-catalog create configmap product-catalog-products --from-file=products/accessories.json \
    --from-file=products/coffee.json --from-file=tea.json="$work/tea.json" --dry-run=client -o yaml |
    kubectl apply -f - >/dev/null
}
edited_id() { jq -r '.products[0].id' products/tea.json; }
