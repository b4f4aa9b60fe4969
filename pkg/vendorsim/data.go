package vendorsim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// rec is the compact internal form of one audit record. Every vendor renders
// its JSON from it on demand (per request and for the ground truth), so that
// hundreds of thousands of records per provider cost 24 bytes each.
type rec struct {
	t     int64  // microseconds since the epoch, a multiple of the provider's resolution
	seq   uint32 // generation order: stable source of ids and tie-break
	obj   uint32 // provider-specific object index (0 = none)
	aux   uint32 // provider-specific random bits (IP variant, agent, flags...)
	user  uint16 // index into Sim.users
	tmpl  uint8  // index into the provider's template table
	scope uint8  // account group (thousandeyes), project (domino)
}

// user is one simulated person, shared by all five vendors.
type user struct {
	First, Last string
	Login       string // domino login name
	Email       string
	DomoID      string // numeric string, domo and domo-platform
	DominoID    string // 24 hex digits, domino
	DatafoldID  int64
	TEUID       string
	IPs         [4]string // [0] home, others occasional
	IPv6        string
	Agent       uint8 // preferred user agent
	Admin       bool
	weight      float64
}

func (u *user) Name() string { return u.First + " " + u.Last }

// The people. Realistic, with a few non-ASCII letters and an apostrophe so
// that clients' JSON and string handling is exercised.
var people = []struct {
	first, last, login, mail string
	admin                    bool
}{
	{"John", "Wilson", "jwilson", "john.wilson", true},
	{"Maria", "Garcia", "mgarcia", "maria.garcia", false},
	{"Wei", "Chen", "wchen", "wei.chen", false},
	{"Aisha", "Khan", "akhan", "aisha.khan", false},
	{"David", "Okafor", "dokafor", "david.okafor", false},
	{"Emma", "Schmidt", "eschmidt", "emma.schmidt", false},
	{"Liam", "O'Connor", "loconnor", "liam.oconnor", false},
	{"Sofia", "Rossi", "srossi", "sofia.rossi", false},
	{"Hiroshi", "Tanaka", "htanaka", "hiroshi.tanaka", false},
	{"Priya", "Patel", "ppatel", "priya.patel", true},
	{"Lucas", "Silva", "lsilva", "lucas.silva", false},
	{"Olivia", "Brown", "obrown", "olivia.brown", false},
	{"Noah", "Johnson", "njohnson", "noah.johnson", false},
	{"Zoë", "Müller", "zmuller", "zoe.muller", false},
	{"José", "Hernández", "jhernandez", "jose.hernandez", false},
	{"Fatima", "Al-Sayed", "falsayed", "fatima.alsayed", false},
	{"Mateo", "López", "mlopez", "mateo.lopez", false},
	{"Chloe", "Dubois", "cdubois", "chloe.dubois", false},
	{"Ethan", "Nguyen", "enguyen", "ethan.nguyen", false},
	{"Grace", "Kim", "gkim", "grace.kim", true},
	{"Omar", "Haddad", "ohaddad", "omar.haddad", false},
	{"Ingrid", "Larsen", "ilarsen", "ingrid.larsen", false},
	{"Kwame", "Mensah", "kmensah", "kwame.mensah", false},
	{"Ana", "Kowalski", "akowalski", "ana.kowalski", false},
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"python-requests/2.31.0",
	"curl/8.5.0",
}

// attackerIPs are the sources of the failed-login burst (documentation ranges).
var attackerIPs = func() []string {
	out := make([]string, 32)
	for i := range out {
		out[i] = "192.0.2." + strconv.Itoa(17+i*7)
	}
	return out
}()

// splitmix64 is a strong 64-bit mixer used to derive stable ids.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func mix(parts ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, p := range parts {
		h = splitmix64(h ^ p)
	}
	return h
}

// appendHex appends n hex digits of v (n <= 16).
func appendHex(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// appendUUID appends a version-4-shaped UUID derived from a and b.
func appendUUID(b []byte, a, c uint64) []byte {
	b = appendHex(b, a>>32, 8)
	b = append(b, '-')
	b = appendHex(b, (a>>16)&0xffff, 4)
	b = append(b, '-')
	b = appendHex(b, 0x4000|(a&0x0fff), 4)
	b = append(b, '-')
	b = appendHex(b, 0x8000|((c>>48)&0x3fff), 4)
	b = append(b, '-')
	return appendHex(b, c&0xffffffffffff, 12)
}

func uuidOf(a, c uint64) string { return string(appendUUID(nil, a, c)) }

// objectID is a MongoDB-style 24-hex-digit id (Domino's ids look like this).
func objectID(h uint64) string {
	b := appendHex(nil, 0x5f000000|(h>>40)&0xffffff, 8)
	return string(appendHex(b, splitmix64(h), 16))
}

func makeUsers() []user {
	us := make([]user, len(people))
	for i, p := range people {
		h := mix(0x75736572, uint64(i))
		u := user{
			First: p.first, Last: p.last, Login: p.login,
			Email:      p.mail + "@example.com",
			DomoID:     strconv.FormatUint(1_000_000_000+h%900_000_000, 10),
			DominoID:   objectID(h),
			DatafoldID: int64(1000 + i*13 + int(h%7)),
			TEUID:      strconv.FormatUint(200_000+(h>>20)%600_000, 10),
			IPv6:       "2001:db8:85a3::8a2e:370:" + strconv.FormatUint(0x7000+uint64(i), 16),
			Agent:      uint8(h>>8) % 4,
			Admin:      p.admin,
			weight:     1 / (1 + float64(i)*0.25),
		}
		u.IPs[0] = "198.51.100." + strconv.Itoa(10+i)
		u.IPs[1] = "203.0.113." + strconv.Itoa(20+i)
		u.IPs[2] = "203.0.113." + strconv.Itoa(100+i)
		u.IPs[3] = "198.51.100." + strconv.Itoa(150+i)
		us[i] = u
	}
	return us
}

// weighted picks indexes by weight.
type weighted struct{ cum []float64 }

func newWeighted(ws []float64) weighted {
	cum := make([]float64, len(ws))
	s := 0.0
	for i, w := range ws {
		s += w
		cum[i] = s
	}
	return weighted{cum}
}

// weightedBy picks among ts by the weight weight(t) of each.
func weightedBy[T any](ts []T, weight func(T) float64) weighted {
	ws := make([]float64, len(ts))
	for i, t := range ts {
		ws[i] = weight(t)
	}
	return newWeighted(ws)
}

// admins are the indexes of the simulated users who are administrators.
func admins(users []user) []int {
	var out []int
	for i := range users {
		if users[i].Admin {
			out = append(out, i)
		}
	}
	return out
}

func (w weighted) pick(rng *rand.Rand) int {
	x := rng.Float64() * w.cum[len(w.cum)-1]
	i, _ := slices.BinarySearch(w.cum, x)
	if i >= len(w.cum) {
		i = len(w.cum) - 1
	}
	return i
}

// Diurnal variation: activity by UTC hour (a company spread over Europe and
// the Americas) and a quieter weekend.
var hourWeight = [24]float64{
	0.15, 0.12, 0.10, 0.10, 0.12, 0.18, 0.30, 0.50, 0.75, 0.90, 0.95, 0.90,
	0.85, 0.95, 1.00, 1.00, 0.95, 0.90, 0.75, 0.60, 0.45, 0.35, 0.25, 0.20,
}

// timeline describes where a provider's timestamps may fall.
type timeline struct {
	unit       int64 // microseconds per tick (1, 1000 or 1e6)
	startTick  int64 // first tick >= Start
	endTick    int64 // first tick >= End (exclusive)
	burstStart int64 // ticks
	burstLen   int64 // ticks
}

func newTimeline(start, end time.Time, unit int64, burstFrom, burstTo time.Time) timeline {
	ceil := func(t time.Time) int64 {
		us := t.UnixMicro()
		q := us / unit
		if q*unit < us {
			q++
		}
		return q
	}
	tl := timeline{unit: unit, startTick: ceil(start), endTick: ceil(end)}
	tl.burstStart = ceil(burstFrom)
	tl.burstLen = ceil(burstTo) - tl.burstStart
	if tl.burstStart < tl.startTick {
		tl.burstStart = tl.startTick
	}
	if tl.burstLen < 1 {
		tl.burstLen = 1
	}
	if tl.burstStart+tl.burstLen > tl.endTick {
		tl.burstLen = max(1, tl.endTick-tl.burstStart)
	}
	return tl
}

// draw returns a tick in [startTick, endTick) following the diurnal curve.
func (tl timeline) draw(rng *rand.Rand) int64 {
	span := tl.endTick - tl.startTick
	if span <= 1 {
		return tl.startTick
	}
	var tick int64
	for try := 0; try < 64; try++ {
		tick = tl.startTick + rng.Int64N(span)
		t := time.UnixMicro(tick * tl.unit).UTC()
		w := hourWeight[t.Hour()]
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.35
		}
		if rng.Float64() < w {
			break
		}
	}
	return tick
}

func (tl timeline) drawBurst(rng *rand.Rand) int64 {
	return tl.burstStart + rng.Int64N(tl.burstLen)
}

// generator fills a record's fields (all but t and seq). burst says whether
// the record belongs to the failed-login (or mass-download) burst.
type generator interface {
	fill(rng *rand.Rand, r *rec, burst bool)
	// render appends the record's JSON; nil-safe use only for uniqueness.
	render(b []byte, r *rec) []byte
}

type tupleKey struct {
	t    int64
	obj  uint32
	user uint16
	tmpl uint8
}

// generate makes n records (burstN of them in the burst) newest first. No two
// records share (time, user, event, object), and no two render to the same
// JSON: a clash moves the record one tick later.
func generate(rng *rand.Rand, tl timeline, n, burstN int, g generator, checkJSON bool) []rec {
	recs := make([]rec, 0, n)
	tuples := make(map[tupleKey]struct{}, n)
	var jsons map[uint64]struct{}
	if checkJSON {
		jsons = make(map[uint64]struct{}, n)
	}
	var buf []byte
	for i := 0; i < n; i++ {
		r := rec{seq: uint32(i)}
		burst := i < burstN
		if burst {
			r.t = tl.drawBurst(rng)
		} else {
			r.t = tl.draw(rng)
		}
		g.fill(rng, &r, burst)
		for try := 0; ; try++ {
			k := tupleKey{r.t, r.obj, r.user, r.tmpl}
			_, clash := tuples[k]
			if clash && try > 4096 {
				clash = false // the range is saturated: rely on the JSON check alone
			}
			var h uint64
			if !clash && checkJSON {
				tt := r.t
				r.t *= tl.unit
				buf = g.render(buf[:0], &r)
				r.t = tt
				h = hashBytes(buf)
				_, clash = jsons[h]
			}
			if !clash {
				tuples[k] = struct{}{}
				if checkJSON {
					jsons[h] = struct{}{}
				}
				break
			}
			r.t++
			if r.t >= tl.endTick {
				r.t = tl.startTick
			}
		}
		recs = append(recs, r)
	}
	for i := range recs {
		recs[i].t *= tl.unit
	}
	sortNewestFirst(recs)
	return recs
}

// repeat makes a share of recs (newest first) happen 2 to 4 times: copies
// alike in every field but seq, next to the original.
func repeat(rng *rand.Rand, recs []rec, share float64) []rec {
	if share <= 0 {
		return recs
	}
	seq := uint32(len(recs))
	out := make([]rec, 0, len(recs)+int(float64(len(recs))*share*3)+1)
	for _, r := range recs {
		out = append(out, r)
		if rng.Float64() < share {
			for range 1 + rng.IntN(3) {
				c := r
				c.seq = seq
				seq++
				out = append(out, c)
			}
		}
	}
	return out
}

func sortNewestFirst(recs []rec) {
	slices.SortFunc(recs, func(a, b rec) int {
		switch {
		case a.t > b.t:
			return -1
		case a.t < b.t:
			return 1
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
}

// span returns the index range [i, j) of recs (newest first) whose time lies
// in [lo, hi] (microseconds, inclusive both).
func span(recs []rec, lo, hi int64) (int, int) {
	if lo > hi {
		return 0, 0
	}
	i, _ := slices.BinarySearchFunc(recs, hi, func(r rec, t int64) int {
		if r.t > t {
			return -1
		}
		return 1
	})
	j, _ := slices.BinarySearchFunc(recs, lo, func(r rec, t int64) int {
		if r.t >= t {
			return -1
		}
		return 1
	})
	if j < i {
		j = i
	}
	return i, j
}

// burstSize is how many of n events belong to the burst.
func burstSize(n int) int {
	b := n / 50
	if b < 30 {
		b = min(30, n/4)
	}
	return min(b, 1000)
}

// hashBytes is FNV-1a, finished with a mixer (deterministic across runs).
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return splitmix64(h)
}
