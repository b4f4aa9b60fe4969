// Package models holds the two contracts with the frontend and with users'
// provisioning files: the query model and the settings model. The TypeScript
// mirror is src/types.ts; testdata/queries holds fixtures both sides check.
package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/auditlens/auditlog/pkg/events"
)

// Formats.
const (
	FormatTable      = "table"
	FormatTimeSeries = "timeseries"
	FormatLogs       = "logs"
)

// ProviderAll merges every configured provider into one stream.
const ProviderAll = "all"

// Group-by dimensions for time series.
const (
	GroupNone       = "none"
	GroupEvent      = "event"
	GroupUser       = "user"
	GroupObjectType = "objectType"
	GroupProvider   = "provider"
	GroupIPAddress  = "ipAddress"
)

// Defaults and bounds.
const (
	DefaultLimit = 10
	MaxLimit     = 500
)

var (
	formats  = []string{FormatTable, FormatTimeSeries, FormatLogs}
	groupBys = []string{GroupNone, GroupEvent, GroupUser, GroupObjectType, GroupProvider, GroupIPAddress}
)

// Query is the query JSON (docs/architecture.md, "Contracts").
type Query struct {
	RefID       string       `json:"refId"`
	Provider    string       `json:"provider"`
	Format      string       `json:"format"`
	Events      []string     `json:"events"`
	ObjectTypes []string     `json:"objectTypes"`
	Users       []string     `json:"users"`
	Search      string       `json:"search"`
	GroupBy     string       `json:"groupBy"`
	Limit       int          `json:"limit"`
	Options     QueryOptions `json:"options"`
}

// QueryOptions are provider-specific extras.
type QueryOptions struct {
	// AccountGroupID overrides the ThousandEyes account group of the data source.
	AccountGroupID string `json:"accountGroupId,omitempty"`
	// AllAccountGroups asks ThousandEyes for every permitted account group.
	AllAccountGroups bool `json:"allAccountGroups,omitempty"`
	// Project restricts Domino events to one project (by name).
	Project string `json:"project,omitempty"`
}

// Filter returns the event filter of the query.
func (q *Query) Filter() events.Filter {
	return events.Filter{Events: q.Events, ObjectTypes: q.ObjectTypes, Users: q.Users, Search: q.Search}
}

// ParseQuery decodes a saved query of any age, applies defaults and
// migrations and validates it. The result is what the frontend's
// normalizeQuery produces for the same input (testdata/queries).
func ParseQuery(raw []byte) (Query, error) {
	var m map[string]json.RawMessage
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return Query{}, fmt.Errorf("the query is not valid JSON: %v", err)
	}
	var q Query
	var err error
	str := func(key string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = decodeString(m[key], key)
		return s
	}
	q.RefID = str("refId")
	q.Provider = strings.TrimSpace(str("provider"))
	q.Format = str("format")
	q.Search = strings.TrimSpace(str("search"))
	q.GroupBy = str("groupBy")
	legacyType := str("queryType")
	if err != nil {
		return Query{}, err
	}
	// Lists, accepting a legacy single-valued key and a plain string.
	for _, l := range []struct {
		dst         *[]string
		key, legacy string
	}{
		{&q.Events, "events", "event"},
		{&q.ObjectTypes, "objectTypes", "objectType"},
		{&q.Users, "users", "user"},
	} {
		a, e1 := decodeList(m[l.key], l.key)
		b, e2 := decodeList(m[l.legacy], l.legacy)
		if e1 != nil {
			return Query{}, e1
		}
		if e2 != nil {
			return Query{}, e2
		}
		*l.dst = appendUnique(append([]string{}, a...), b...)
	}
	if q.Limit, err = decodeInt(m["limit"], "limit"); err != nil {
		return Query{}, err
	}
	if o, ok := m["options"]; ok && !isNull(o) {
		if err := json.Unmarshal(o, &q.Options); err != nil {
			return Query{}, fmt.Errorf("options: %v", err)
		}
	}
	// Migrations: format aliases and the pre-"format" queryType.
	if q.Format == "" {
		q.Format = legacyType
	}
	q.Format = formatAlias(q.Format)
	q.Options.AccountGroupID = strings.TrimSpace(q.Options.AccountGroupID)
	q.Options.Project = strings.TrimSpace(q.Options.Project)
	// Defaults.
	if q.Format == "" {
		q.Format = FormatTable
	}
	if q.GroupBy == "" {
		q.GroupBy = GroupNone
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	return q, q.Validate()
}

// Validate checks the query fields, naming the field at fault.
func (q *Query) Validate() error {
	if q.Provider != "" && q.Provider != ProviderAll && !slices.Contains(events.ProviderIDs, q.Provider) {
		return fmt.Errorf("provider: unknown provider %q (use one of %s or %q)", q.Provider, strings.Join(events.ProviderIDs, ", "), ProviderAll)
	}
	if !slices.Contains(formats, q.Format) {
		return fmt.Errorf("format: unknown format %q (use one of %s)", q.Format, strings.Join(formats, ", "))
	}
	if !slices.Contains(groupBys, q.GroupBy) {
		return fmt.Errorf("groupBy: unknown dimension %q (use one of %s)", q.GroupBy, strings.Join(groupBys, ", "))
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return fmt.Errorf("limit: %d is out of range (top-N series must be between 1 and %d)", q.Limit, MaxLimit)
	}
	return nil
}

func formatAlias(f string) string {
	switch strings.ToLower(strings.TrimSpace(f)) {
	case "timeseries", "time_series", "time series", "timeserie", "graph":
		return FormatTimeSeries
	case "logs", "log":
		return FormatLogs
	case "table":
		return FormatTable
	}
	return f
}

func isNull(r json.RawMessage) bool { return len(r) == 0 || string(r) == "null" }

func decodeString(r json.RawMessage, field string) (string, error) {
	if isNull(r) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return "", fmt.Errorf("%s: expected a string, got %s", field, short(r))
	}
	return s, nil
}

func decodeList(r json.RawMessage, field string) ([]string, error) {
	if isNull(r) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err == nil {
		return appendUnique(nil, s), nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(r, &items); err != nil {
		return nil, fmt.Errorf("%s: expected a list of strings, got %s", field, short(r))
	}
	var out []string
	for _, it := range items {
		var v any
		_ = json.Unmarshal(it, &v)
		switch x := v.(type) {
		case string:
			out = appendUnique(out, x)
		case float64:
			out = appendUnique(out, strconv.FormatFloat(x, 'f', -1, 64))
		case nil:
		default:
			return nil, fmt.Errorf("%s: expected a list of strings, got %s", field, short(r))
		}
	}
	return out, nil
}

func decodeInt(r json.RawMessage, field string) (int, error) {
	if isNull(r) {
		return 0, nil
	}
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return 0, fmt.Errorf("%s: expected a number, got %s", field, short(r))
	}
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("%s: expected a whole number, got %s", field, short(r))
		}
		return int(x), nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%s: expected a number, got %s", field, short(r))
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s: expected a number, got %s", field, short(r))
}

// appendUnique appends trimmed, non-empty values not yet in list.
func appendUnique(list []string, vals ...string) []string {
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func short(r json.RawMessage) string {
	s := string(r)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
