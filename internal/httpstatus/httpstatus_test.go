package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorderKeepsTheFirstStatus(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler func(w http.ResponseWriter)
		want    int
	}{
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests); _, _ = w.Write([]byte("x")) }, 429},
		{"implicit 200", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, 200},
		{"nothing written", func(http.ResponseWriter) {}, 0},
	} {
		rec := &Recorder{ResponseWriter: httptest.NewRecorder()}
		c.handler(rec)
		if rec.Status != c.want {
			t.Errorf("%s: status %d, want %d", c.name, rec.Status, c.want)
		}
	}
}
