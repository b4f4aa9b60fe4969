package main

import (
	"fmt"
	"regexp"
	"strings"
)

// allValue is the value Grafana gives a variable whose "All" option is selected.
const allValue = "$__all"

// variableRE is Grafana's variable syntax: $var, [[var]] / [[var:fmt]],
// ${var}, ${var.field}, ${var:fmt} (the same as src/datasource.ts).
var variableRE = regexp.MustCompile(`\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}`)

// variable is a dashboard variable with its saved current value.
type variable struct {
	Name    string `json:"name"`
	Current struct {
		Value any `json:"value"`
	} `json:"current"`
}

// variables maps each variable's name to its current value: a string or []string.
func variables(list []variable) map[string]any {
	out := map[string]any{}
	for _, v := range list {
		switch val := v.Current.Value.(type) {
		case string:
			out[v.Name] = val
		case []any:
			s := make([]string, 0, len(val))
			for _, x := range val {
				s = append(s, fmt.Sprint(x))
			}
			out[v.Name] = s
		}
	}
	return out
}

func isAll(v any) bool {
	switch val := v.(type) {
	case string:
		return val == allValue
	case []string:
		for _, s := range val {
			if s == allValue {
				return true
			}
		}
	}
	return false
}

func hasVariable(s string) bool { return strings.Contains(s, "$") || strings.Contains(s, "[[") }

// varName is the name a variable reference refers to.
func varName(m []string) string {
	for _, i := range []int{1, 2, 4} {
		if m[i] != "" {
			return m[i]
		}
	}
	return ""
}

// refersToAll reports whether the text names a variable set to "All".
func refersToAll(s string, vars map[string]any) bool {
	for _, m := range variableRE.FindAllStringSubmatch(s, -1) {
		if v, ok := vars[varName(m)]; ok && isAll(v) {
			return true
		}
	}
	return false
}

// replace substitutes every known variable, joining multiple values with sep.
func replace(s string, vars map[string]any, sep string) string {
	return variableRE.ReplaceAllStringFunc(s, func(ref string) string {
		v, ok := vars[varName(variableRE.FindStringSubmatch(ref))]
		if !ok {
			return ref
		}
		if list, ok := v.([]string); ok {
			return strings.Join(list, sep)
		}
		return fmt.Sprint(v)
	})
}

// expandList is one list field: an entry naming a variable set to "All"
// removes the filter; a multi-valued variable gives one entry per value.
func expandList(values []string, vars map[string]any) []string {
	out := []string{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		for _, o := range out {
			if o == v {
				return
			}
		}
		if v != "" {
			out = append(out, v)
		}
	}
	for _, entry := range values {
		if !hasVariable(entry) {
			add(entry)
			continue
		}
		if refersToAll(entry, vars) {
			return []string{}
		}
		for _, v := range expandEntry(entry, vars) {
			add(v)
		}
	}
	return out
}

// expandEntry replaces the first multi-valued variable of entry with each of
// its values, recursively (every combination).
func expandEntry(entry string, vars map[string]any) []string {
	for _, loc := range variableRE.FindAllStringSubmatchIndex(entry, -1) {
		m := make([]string, 7)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = entry[loc[2*i]:loc[2*i+1]]
			}
		}
		list, ok := vars[varName(m)].([]string)
		if !ok {
			continue
		}
		var out []string
		for _, v := range list {
			out = append(out, expandEntry(entry[:loc[0]]+v+entry[loc[1]:], vars)...)
		}
		return out
	}
	return []string{replace(entry, vars, ",")}
}

// interpolate is the query the plugin's frontend sends for a saved target
// (DataSource.applyTemplateVariables): the provider, search, list fields and
// provider options with the dashboard's variables applied.
func interpolate(target map[string]any, vars map[string]any) (map[string]any, error) {
	q := map[string]any{}
	for k, v := range target {
		q[k] = v
	}
	if p, ok := q["provider"].(string); ok {
		if refersToAll(p, vars) {
			q["provider"] = "all"
		} else {
			q["provider"] = strings.TrimSpace(replace(p, vars, ","))
		}
	}
	if s, ok := q["search"].(string); ok {
		q["search"] = strings.TrimSpace(replace(s, vars, " "))
	}
	for _, k := range []string{"events", "objectTypes", "users"} {
		raw, ok := q[k]
		if !ok || raw == nil {
			continue
		}
		list, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: not a list", k)
		}
		values := make([]string, 0, len(list))
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s: not a list of strings", k)
			}
			values = append(values, s)
		}
		q[k] = expandList(values, vars)
	}
	if opts, ok := q["options"].(map[string]any); ok {
		o := map[string]any{}
		for k, v := range opts {
			o[k] = v
		}
		for _, k := range []string{"accountGroupId", "project"} {
			if s, ok := o[k].(string); ok && s != "" {
				if s = strings.TrimSpace(replace(s, vars, ",")); s != "" {
					o[k] = s
				} else {
					delete(o, k)
				}
			}
		}
		q["options"] = o
	}
	if l, ok := q["limit"].(string); ok && hasVariable(l) {
		q["limit"] = replace(l, vars, ",")
	}
	return q, nil
}
