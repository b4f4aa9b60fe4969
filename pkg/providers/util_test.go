package providers

import (
	"io"
	"os"
	"testing"
)

func copyBody(w io.Writer, r io.ReadCloser) (int64, error) {
	defer r.Close()
	return io.Copy(w, r)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
