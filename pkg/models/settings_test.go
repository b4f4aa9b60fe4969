package models

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func load(t *testing.T, jsonData string, secrets map[string]string) *Settings {
	t.Helper()
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(jsonData), DecryptedSecureJSONData: secrets})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSettingsDefaultsAndSecrets(t *testing.T) {
	s := load(t, `{"providers":{"domino":{"enabled":true,"url":" https://domino.example.com "},"thousandeyes":{"enabled":false}}}`,
		map[string]string{"dominoToken": " jwt ", "thousandeyesToken": "te"})
	if s.MaxEvents != DefaultMaxEvents || s.Concurrency != DefaultConcurrency {
		t.Fatalf("defaults not applied: %+v", s)
	}
	d := s.Providers["domino"]
	if d.AuthType != AuthBearer || d.Secret != "jwt" || d.URL != "https://domino.example.com" {
		t.Fatalf("domino settings: %+v", d)
	}
	if got := s.Enabled(); len(got) != 1 || got[0] != "domino" {
		t.Fatalf("enabled = %v", got)
	}
}

func TestResolveProvider(t *testing.T) {
	s := load(t, `{"providers":{"domo":{"enabled":true},"datafold":{"enabled":true},"domino":{"enabled":false}}}`, nil)
	if ids, _ := s.Resolve(""); len(ids) != 2 {
		t.Fatalf("empty provider should mean all enabled, got %v", ids)
	}
	if ids, _ := s.Resolve("all"); len(ids) != 2 || ids[0] != "domo" || ids[1] != "datafold" {
		t.Fatalf("all = %v", ids)
	}
	if _, err := s.Resolve("domino"); err == nil || !strings.HasPrefix(err.Error(), "provider:") || !strings.Contains(err.Error(), "not enabled") {
		t.Fatalf("disabled provider: %v", err)
	}
	empty := load(t, `{}`, nil)
	if _, err := empty.Resolve(""); err == nil || !strings.Contains(err.Error(), "no provider is enabled") {
		t.Fatalf("no providers: %v", err)
	}
}

func TestLoadSettingsRejectsUnknownProviderAndBadJSON(t *testing.T) {
	if _, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"providers":{"splunk":{"enabled":true}}}`)}); err == nil || !strings.Contains(err.Error(), "splunk") {
		t.Fatalf("unknown provider: %v", err)
	}
	if _, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"providers":`)}); err == nil {
		t.Fatal("expected an error for truncated jsonData")
	}
}

func TestCheckBaseURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://domino.example.com/", ""},
		{"domino.example.com", "absolute URL"},
		{"ftp://x.example.com", "https://"},
		{"https://user:pw@x.example.com", "user name or password"},
		{"https://x.example.com/?a=1", "query string"},
	} {
		_, err := CheckBaseURL(c.in)
		if c.want == "" && err != nil {
			t.Errorf("%s: unexpected %v", c.in, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: want error containing %q, got %v", c.in, c.want, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: error leaks the password: %v", c.in, err)
		}
	}
}
