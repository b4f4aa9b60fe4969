// Package httpstatus records the status a handler answered, for the
// commands that log or count requests in front of the simulator.
package httpstatus

import "net/http"

// Recorder is a ResponseWriter that remembers the status written.
type Recorder struct {
	http.ResponseWriter
	Status int // 0 until the handler writes
}

// WriteHeader records code and passes it on.
func (w *Recorder) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes b on.
func (w *Recorder) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
