package plugin

import (
	"context"
	"errors"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/providers"
)

// badQuery is the answer to a query the user has to change. Grafana's
// plugin metrics count it as downstream: the plugin did its job.
func badQuery(message string) backend.DataResponse {
	return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, message)
}

// sourceOf says whose failure the errors of a query are, for Grafana's
// plugin metrics and SLOs: a vendor's (an HTTP error status, a network
// failure, an answer that cannot be read, the query's time limit passing
// while a vendor is slow, a setting the admin has to fix) is downstream;
// anything else is the plugin's.
func sourceOf(errs []error) backend.ErrorSource {
	for _, err := range errs {
		if !isDownstream(err) {
			return backend.ErrorSourcePlugin
		}
	}
	return backend.ErrorSourceDownstream
}

func isDownstream(err error) bool {
	var he *providers.HTTPError
	var ne *providers.NetworkError
	return errors.As(err, &he) || errors.As(err, &ne) || backend.IsDownstreamError(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func joinErrors(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// statusOf maps an engine error onto the status Grafana shows.
func statusOf(err error) backend.Status {
	var he *providers.HTTPError
	switch {
	case errors.Is(err, context.Canceled):
		return backend.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded):
		return backend.StatusTimeout
	case errors.As(err, &he):
		switch he.Status {
		case 401:
			return backend.StatusUnauthorized
		case 403:
			return backend.StatusForbidden
		case 404:
			return backend.StatusNotFound
		case 429:
			return backend.StatusTooManyRequests
		}
		return backend.StatusBadGateway
	}
	return backend.StatusBadGateway
}
