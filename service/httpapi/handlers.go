package httpapi

import (
	"net/http"

	"go.uber.org/zap"
)

func handleListProducts(logger *zap.Logger, vs *views) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := firstPageQuery
		if r.URL.RawQuery != "" {
			var err error
			if q, err = parseListQuery(r.URL.Query()); err != nil {
				writeError(w, err)
				return
			}
		}
		v, ok := currentView(w, logger, vs)
		if !ok {
			return
		}
		if q == firstPageQuery {
			writeCacheable(w, r, v.firstPage)
			return
		}
		etag := v.listETag(q)
		if notModified(w, r, etag) {
			return // no search for a client that has the page
		}
		writeBody(w, http.StatusOK, newRepresentation(v.listBody(v.catalog.Search(q)), etag))
	})
}

func handleGetProduct(logger *zap.Logger, vs *views) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := currentView(w, logger, vs)
		if !ok {
			return
		}
		id := productID(r)
		pos, found := v.catalog.Position(id)
		if !found {
			writeError(w, errorf(codeNotFound, "no product with id %q", id))
			return
		}
		writeCacheable(w, r, v.products[pos])
	})
}

func handleListCategories(logger *zap.Logger, vs *views) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := currentView(w, logger, vs)
		if !ok {
			return
		}
		writeCacheable(w, r, v.categories)
	})
}

func currentView(w http.ResponseWriter, logger *zap.Logger, vs *views) (*view, bool) {
	v, err := vs.current()
	if err != nil {
		logger.Error("render catalog", zap.Error(err))
		writeError(w, err)
		return nil, false
	}
	return v, true
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func handleReadyz(source Source, readiness *Readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := source.Catalog()
		switch {
		case !readiness.Ready():
			writeError(w, errorf(codeUnavailable, "shutting down"))
		case c == nil || c.Len() == 0:
			writeError(w, errorf(codeUnavailable, "no catalog loaded"))
		default:
			writeJSON(w, http.StatusOK, struct {
				Status   string `json:"status"`
				Products int    `json:"products"`
			}{"ready", c.Len()})
		}
	})
}

func handleOpenAPI() http.Handler {
	document := newRepresentation(openAPIDocument, "")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusOK, document)
	})
}
