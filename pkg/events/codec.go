package events

import (
	"encoding/binary"
	"errors"
	"time"
)

// The binary form of a list of events, for a cache shared between
// processes (Grafana replicas on one Redis): a table of the distinct
// strings of the events' fields (user names, event names... recur on
// every page), then each event as its time, the table indices of its
// fields and its raw record.

const codecVersion = 1

var errCodec = errors.New("events: not an encoded list of events")

// fields are an event's string fields, in the encoded order.
func fields(e *Event) [15]*string {
	return [15]*string{&e.Provider, &e.User, &e.Email, &e.UserID, &e.Action, &e.Event, &e.ObjectType,
		&e.ObjectID, &e.ObjectName, &e.IPAddress, &e.UserAgent, &e.Scope, &e.Status, &e.Message, &e.Key}
}

// AppendBinary appends l in its binary form to b.
func AppendBinary(b []byte, l List) []byte {
	index := map[string]uint64{}
	var table []string
	refs := make([]uint64, 0, l.Len()*15)
	for e := range l.All() {
		for _, f := range fields(e) {
			i, ok := index[*f]
			if !ok {
				i = uint64(len(table))
				index[*f] = i
				table = append(table, *f)
			}
			refs = append(refs, i)
		}
	}
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(len(table)))
	for _, s := range table {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(l.Len()))
	k := 0
	for e := range l.All() {
		b = binary.AppendVarint(b, e.Time.UnixNano())
		for range 15 {
			b = binary.AppendUvarint(b, refs[k])
			k++
		}
		b = binary.AppendUvarint(b, uint64(len(e.Raw)))
		b = append(b, e.Raw...)
	}
	return b
}

// DecodeList reads a list written by AppendBinary. The events' raw records
// are slices of b, which must not change afterwards.
func DecodeList(b []byte) (List, error) {
	r := reader{b: b}
	if len(b) == 0 || r.byte() != codecVersion {
		return List{}, errCodec
	}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return List{}, errCodec
	}
	table := make([]string, n)
	for i := range table {
		table[i] = string(r.bytes(r.uvarint()))
	}
	count := r.uvarint()
	if r.err != nil || count > uint64(len(b)) {
		return List{}, errCodec
	}
	evs := make([]Event, count)
	for i := range evs {
		e := &evs[i]
		e.Time = time.Unix(0, r.varint()).UTC()
		for _, f := range fields(e) {
			j := r.uvarint()
			if j >= uint64(len(table)) {
				return List{}, errCodec
			}
			*f = table[j]
		}
		e.Raw = r.bytes(r.uvarint())
		if r.err != nil {
			return List{}, errCodec
		}
	}
	if r.i != len(b) {
		return List{}, errCodec
	}
	return ListOf(evs), nil
}

type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) byte() byte {
	if r.i >= len(r.b) {
		r.err = errCodec
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b[min(r.i, len(r.b)):])
	if n <= 0 {
		r.err = errCodec
		return 0
	}
	r.i += n
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b[min(r.i, len(r.b)):])
	if n <= 0 {
		r.err = errCodec
		return 0
	}
	r.i += n
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)-r.i) {
		r.err = errCodec
		return nil
	}
	out := r.b[r.i : r.i+int(n) : r.i+int(n)]
	r.i += int(n)
	return out
}
