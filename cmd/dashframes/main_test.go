package main

import (
	"reflect"
	"testing"
	"time"
)

// The dashboard's variables applied the way the plugin's frontend does
// (src/datasource.ts applyTemplateVariables; the browser test compares the
// two on the provisioned dashboard).
func TestInterpolate(t *testing.T) {
	vars := map[string]any{
		"provider": allValue,
		"one":      "domo",
		"user":     []string{"Ana Silva", "Bo Chen"},
		"everyone": []string{allValue},
		"group":    " 1234 ",
		"empty":    "",
	}
	for _, tc := range []struct {
		name         string
		target, want map[string]any
	}{
		{"provider set to All means every provider",
			map[string]any{"provider": "$provider"}, map[string]any{"provider": "all"}},
		{"a single value",
			map[string]any{"provider": "${one}"}, map[string]any{"provider": "domo"}},
		{"a list entry naming an All variable removes the filter",
			map[string]any{"users": []any{"zoe", "$everyone"}}, map[string]any{"users": []string{}}},
		{"a multi-value variable gives one entry per value, de-duplicated",
			map[string]any{"users": []any{"Bo Chen", "[[user]]", " "}}, map[string]any{"users": []string{"Bo Chen", "Ana Silva"}}},
		{"every combination",
			map[string]any{"events": []any{"$one:$user"}}, map[string]any{"events": []string{"domo:Ana Silva", "domo:Bo Chen"}}},
		{"search joins values with spaces",
			map[string]any{"search": "$user"}, map[string]any{"search": "Ana Silva Bo Chen"}},
		{"options: trimmed, dropped when empty",
			map[string]any{"options": map[string]any{"accountGroupId": "$group", "project": "$empty", "allAccountGroups": true}},
			map[string]any{"options": map[string]any{"accountGroupId": "1234", "allAccountGroups": true}}},
		{"unknown variables stay",
			map[string]any{"provider": "$nope"}, map[string]any{"provider": "$nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := interpolate(tc.target, vars)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	if _, err := interpolate(map[string]any{"users": "x"}, vars); err == nil {
		t.Fatal("a users string is not a list")
	}
}

// maxDataPoints and the interval of the demo dashboard's panels at 1600px,
// as Grafana computes them.
func TestPanelInterval(t *testing.T) {
	g := newGrid(1600)
	twoDays := 48 * time.Hour
	for _, tc := range []struct {
		w, points int
		interval  time.Duration
	}{
		{24, 1552, 2 * time.Minute},
		{16, 1027, 2 * time.Minute},
		{8, 501, 5 * time.Minute},
	} {
		points := g.contentWidth(tc.w)
		if points != tc.points {
			t.Errorf("w=%d: %d points, want %d", tc.w, points, tc.points)
		}
		if got := calculateInterval(twoDays, points); got != tc.interval {
			t.Errorf("w=%d: interval %s, want %s", tc.w, got, tc.interval)
		}
	}
	if got := roundInterval(60 * 60 * 1000); got != 3600000 {
		t.Errorf("1h rounds to %d ms", got)
	}
}

func TestDashboardRange(t *testing.T) {
	now := time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC)
	from, to, err := dashboardRange("now-2d", "now", now)
	if err != nil || !from.Equal(now.Add(-48*time.Hour)) || !to.Equal(now) {
		t.Fatalf("%s %s %v", from, to, err)
	}
	if _, _, err := dashboardRange("now/d", "now", now); err == nil {
		t.Fatal("rounding is not supported and must say so")
	}
}
