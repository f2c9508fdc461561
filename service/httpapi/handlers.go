package httpapi

import (
	"net/http"

	"github.com/product-catalog/product-catalog/service/echo"
)

func handleListProducts(p *published, rs *responder) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, vars routeVars) {
		q := firstPageQuery
		if len(vars.query) > 0 {
			var err error
			if q, err = parseListQuery(vars.query); err != nil {
				writeError(w, err)
				return
			}
		}
		v, ok := currentView(w, p)
		if !ok {
			return
		}
		if q == firstPageQuery {
			rs.writeCacheable(w, r, v.firstPage)
			return
		}
		etag := v.listETag(q)
		if rs.notModified(w, r, etag) || (acceptsGzip(r) && rs.notModified(w, r, gzipETag(etag))) {
			return // no search for a client that has the page, in either encoding
		}
		page, ok := rs.buildPage(w, r, func() representation {
			return newPerRequest(r, v.listBody(v.catalog.Search(q)), etag)
		})
		if ok {
			rs.writeCacheable(w, r, page)
		}
	}
}

func handleGetProduct(p *published, rs *responder) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, vars routeVars) {
		v, ok := currentView(w, p)
		if !ok {
			return
		}
		pos, found := v.catalog.Position(vars.id)
		if !found {
			writeError(w, errorf(codeNotFound, "no product with id %s", echo.Quoted(vars.id)))
			return
		}
		rs.writeCacheable(w, r, v.product(pos))
	}
}

func handleListCategories(p *published, rs *responder) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, _ routeVars) {
		v, ok := currentView(w, p)
		if !ok {
			return
		}
		rs.writeCacheable(w, r, v.categories)
	}
}

// currentView is the view being served, or a 503 before the first
// Publish.
func currentView(w http.ResponseWriter, p *published) (*view, bool) {
	v := p.load()
	if v == nil {
		writeError(w, errorf(codeUnavailable, "no catalog published yet"))
		return nil, false
	}
	return v, true
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func handleReadyz(p *published, readiness *Readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := p.load()
		switch {
		case !readiness.Ready():
			writeError(w, errorf(codeUnavailable, "shutting down"))
		case v == nil:
			writeError(w, errorf(codeUnavailable, "no catalog published yet"))
		default:
			writeJSON(w, http.StatusOK, struct {
				Status   string `json:"status"`
				Products int    `json:"products"`
			}{"ready", v.catalog.Len()})
		}
	})
}

func handleOpenAPI() http.Handler {
	document := newRepresentation(openAPIDocument, "")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusOK, document)
	})
}
