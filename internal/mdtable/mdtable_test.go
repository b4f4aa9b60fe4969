package mdtable

import (
	"strings"
	"testing"
)

func TestWritePadsColumnsToLineUp(t *testing.T) {
	var b strings.Builder
	Write(&b, [][]string{{"case", "µs"}, {"domo table 10k", "8.5"}})
	want := "| case           | µs  |\n| -------------- | --- |\n| domo table 10k | 8.5 |\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
