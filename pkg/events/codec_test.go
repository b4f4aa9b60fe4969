package events

import (
	"reflect"
	"testing"
	"time"
)

func TestABinaryListReadsBackTheSameEvents(t *testing.T) {
	at := time.Date(2027, 3, 1, 12, 0, 0, 123456789, time.UTC)
	l := ListOf(
		[]Event{{Time: at, Provider: "domo", User: "Zoë Müller", Event: "Failed login", Raw: []byte(`{"a":1}`)},
			{Time: at, Provider: "domo", User: "Zoë Müller", Event: "Failed login", Raw: []byte(`{"a":1}`)}},
		[]Event{{Time: at.Add(-time.Hour), Provider: "datafold", Key: "uuid-1", Message: "", Raw: []byte(`{}`)}},
	)
	b := AppendBinary([]byte("prefix"), l)
	got, err := DecodeList(b[len("prefix"):])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Flatten(), l.Flatten()) {
		t.Fatalf("got %+v\nwant %+v", got.Flatten(), l.Flatten())
	}
	if empty, err := DecodeList(AppendBinary(nil, List{})); err != nil || empty.Len() != 0 {
		t.Fatalf("empty list: %v %d", err, empty.Len())
	}
}

// A cut-off or foreign value (another version, a stray key) is an error,
// never a wrong list.
func TestACutOrForeignValueIsNotAList(t *testing.T) {
	l := ListOf([]Event{{Time: time.Unix(1, 0), Provider: "domo", User: "a", Raw: []byte(`{"x":1}`)}})
	b := AppendBinary(nil, l)
	for i := range len(b) {
		if _, err := DecodeList(b[:i]); err == nil {
			t.Fatalf("%d of %d bytes decoded", i, len(b))
		}
	}
	for _, bad := range [][]byte{nil, []byte("{}"), append(b, 0), append([]byte{9}, b[1:]...)} {
		if _, err := DecodeList(bad); err == nil {
			t.Fatalf("%q decoded", bad)
		}
	}
}
