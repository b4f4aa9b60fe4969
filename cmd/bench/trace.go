package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// traced is one request as the proxy forwarded it.
type traced struct {
	Start, End time.Time
	Status     int
	Query      string
}

// rigTiming is what the requests of a cold query took at the proxy, and
// the floor that sets: whatever an engine does, n requests on c slots take
// ceil(n ÷ c) round trips one after another.
type rigTiming struct {
	Requests                 int
	Median, Fastest, Slowest time.Duration
	Rounds                   int
	// Tail is the time from the last answer's end to QueryData's return:
	// the engine's work that no request overlaps.
	Tail time.Duration
}

func (t rigTiming) floor() time.Duration { return time.Duration(t.Rounds) * t.Median }

// coldRequests is the requests made during the cold query, by start.
func coldRequests(cold phaseResult, reqs []traced) []traced {
	end := cold.Start.Add(cold.Wall)
	var out []traced
	for _, r := range reqs {
		if !r.Start.Before(cold.Start) && !r.Start.After(end) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b traced) int { return a.Start.Compare(b.Start) })
	return out
}

// timing measures the cold query's requests.
func timing(cold phaseResult, reqs []traced, concurrency int) rigTiming {
	reqs = coldRequests(cold, reqs)
	if len(reqs) == 0 || concurrency <= 0 {
		return rigTiming{}
	}
	ds := make([]time.Duration, len(reqs))
	var last time.Time
	for i, r := range reqs {
		ds[i] = r.End.Sub(r.Start)
		if r.End.After(last) {
			last = r.End
		}
	}
	slices.Sort(ds)
	return rigTiming{
		Requests: len(reqs), Median: ds[len(ds)/2], Fastest: ds[0], Slowest: ds[len(ds)-1],
		Rounds: (len(reqs) + concurrency - 1) / concurrency,
		Tail:   max(cold.Start.Add(cold.Wall).Sub(last), 0),
	}
}

// printTrace prints the requests of a cold query (-trace) in the order they
// reached the proxy, in ms after QueryData was called, and when QueryData
// returned.
func printTrace(w io.Writer, name string, cold phaseResult, reqs []traced) {
	reqs = coldRequests(cold, reqs)
	ms := func(t time.Time) float64 { return float64(t.Sub(cold.Start).Microseconds()) / 1000 }
	fmt.Fprintf(w, "trace %s cold: QueryData returned after %.1f ms, %d request(s):\n", name, ms(cold.Start.Add(cold.Wall)), len(reqs))
	for _, r := range reqs {
		fmt.Fprintf(w, "  %7.1f → %7.1f ms  %5.1f ms  %d  %s\n", ms(r.Start), ms(r.End), float64(r.End.Sub(r.Start).Microseconds())/1000, r.Status, r.Query)
	}
}
