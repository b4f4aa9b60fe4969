package models

import (
	"encoding/json"
	"errors"
	"os"
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

// settingsChecks are the cases of testdata/settings/checks.json, which
// src/providers.test.ts runs against the config editor's checks too, so the
// Go and the TypeScript halves of the settings checks cannot drift.
type settingsChecks struct {
	NotShown []string `json:"notShown"`
	BaseURL  []struct {
		URL   string `json:"url"`
		Error string `json:"error"`
	} `json:"baseUrl"`
	Providers []struct {
		Name     string          `json:"name"`
		Provider string          `json:"provider"`
		Settings json.RawMessage `json:"settings"`
		Secret   string          `json:"secret"`
		Setting  string          `json:"setting"`
		Error    string          `json:"error"`
	} `json:"providers"`
}

func loadSettingsChecks(t *testing.T) settingsChecks {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/settings/checks.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc settingsChecks
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.BaseURL) < 20 || len(doc.Providers) < 10 || len(doc.NotShown) == 0 {
		t.Fatalf("expected the fixture file to hold the cases, got %d URLs and %d providers", len(doc.BaseURL), len(doc.Providers))
	}
	return doc
}

func showsNotShown(doc settingsChecks, msg string) bool {
	for _, s := range doc.NotShown {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func TestCheckBaseURL(t *testing.T) {
	doc := loadSettingsChecks(t)
	for _, c := range doc.BaseURL {
		_, err := CheckBaseURL(c.URL)
		if c.Error == "" && err != nil {
			t.Errorf("%s: unexpected %v", c.URL, err)
		}
		if c.Error != "" && (err == nil || !strings.Contains(err.Error(), c.Error)) {
			t.Errorf("%s: want error containing %q, got %v", c.URL, c.Error, err)
		}
		if err != nil && showsNotShown(doc, err.Error()) {
			t.Errorf("%s: error leaks the password: %v", c.URL, err)
		}
	}
}

func TestCheckProviderMatchesSharedFixtures(t *testing.T) {
	doc := loadSettingsChecks(t)
	for _, c := range doc.Providers {
		t.Run(c.Name, func(t *testing.T) {
			jsonData, _ := json.Marshal(map[string]any{"providers": map[string]json.RawMessage{c.Provider: c.Settings}})
			s := load(t, string(jsonData), map[string]string{SecretKey(c.Provider): c.Secret})
			err := CheckProvider(c.Provider, s.Providers[c.Provider])
			if c.Setting == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var se *SettingError
			if !errors.As(err, &se) {
				t.Fatalf("want a SettingError naming %q, got %v", c.Setting, err)
			}
			if se.Setting != c.Setting || !strings.Contains(se.Msg, c.Error) {
				t.Fatalf("got %s (setting %q), want setting %q and %q", err, se.Setting, c.Setting, c.Error)
			}
			if showsNotShown(doc, err.Error()) || strings.Contains(err.Error(), strings.TrimSpace(c.Secret)) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
}

func TestCheckProviderNamesTheProviderAndTheSetting(t *testing.T) {
	ok := map[string]ProviderSettings{
		"domo":          {Enabled: true, Instance: "acme", Secret: "tok"},
		"domo-platform": {Enabled: true, ClientID: "cid", Secret: "sec"},
		"domino":        {Enabled: true, URL: "https://domino.example.com", AuthType: AuthBearer, Secret: "jwt"},
		"datafold":      {Enabled: true, Secret: "key"},
		"thousandeyes":  {Enabled: true, Secret: "tok"},
	}
	for _, c := range []struct {
		name    string
		id      string
		p       ProviderSettings
		setting string // "" = no error
		want    string
	}{
		{name: "domo ok", id: "domo", p: ok["domo"]},
		{name: "domo-platform ok", id: "domo-platform", p: ok["domo-platform"]},
		{name: "domino ok", id: "domino", p: ok["domino"]},
		{name: "datafold ok", id: "datafold", p: ok["datafold"]},
		{name: "thousandeyes ok", id: "thousandeyes", p: ok["thousandeyes"]},
		{name: "simulator over http", id: "thousandeyes", p: ProviderSettings{Secret: "t", URL: "http://vendorsim:8099"}},
		{name: "datafold EU", id: "datafold", p: ProviderSettings{Secret: "t", URL: "https://eu.datafold.com"}},
		{name: "domo instance via URL only", id: "domo", p: ProviderSettings{Secret: "t", URL: "https://acme.domo.com"}},

		{"missing secret", "datafold", ProviderSettings{}, "datafoldApiKey", "datafold: the API key is missing: enter it in the Datafold section of the data source settings (secureJsonData.datafoldApiKey when provisioning)"},
		{"missing client secret", "domo-platform", ProviderSettings{ClientID: "cid"}, "domoPlatformClientSecret", "domo-platform: the client secret is missing"},
		{"secret with a line break", "thousandeyes", ProviderSettings{Secret: "abc\ndef"}, "thousandeyesToken", "thousandeyes: the user API token contains spaces or line breaks"},
		{"secret with a space", "domo", ProviderSettings{Instance: "acme", Secret: "Bearer abc"}, "domoToken", "contains spaces"},
		{"missing instance", "domo", ProviderSettings{Secret: "t"}, "instance", "domo: the instance name is missing"},
		{"instance is a URL", "domo", ProviderSettings{Secret: "t", Instance: "https://acme.domo.com"}, "instance", "only the name before .domo.com"},
		{"missing client id", "domo-platform", ProviderSettings{Secret: "t"}, "clientId", "domo-platform: the client id is missing"},
		{"missing domino URL", "domino", ProviderSettings{Secret: "t", AuthType: AuthBearer}, "url", "domino: the Domino URL is missing"},
		{"bad auth type", "domino", ProviderSettings{Secret: "t", URL: "https://d.example.com", AuthType: "basic"}, "authType", `authType "basic" is unknown`},
		{"credentials in URL", "thousandeyes", ProviderSettings{Secret: "t", URL: "https://me:hunter2@api.thousandeyes.com"}, "url", "thousandeyes: URL must not contain a user name or password; put credentials in the secret fields (the URL setting, jsonData.providers.thousandeyes.url)"},
		{"http to the vendor", "thousandeyes", ProviderSettings{Secret: "t", URL: "http://api.thousandeyes.com"}, "url", "thousandeyes: URL http://api.thousandeyes.com uses plain http"},
		{"endpoint pasted", "datafold", ProviderSettings{Secret: "t", URL: "https://app.datafold.com/api/v1/audit_logs"}, "url", "enter only https://app.datafold.com"},
		{"domino with a path prefix", "domino", ProviderSettings{Secret: "t", URL: "https://tools.example.com/domino", AuthType: AuthAPIKey}, "", ""},
		{"domino on another vendor's host", "domino", ProviderSettings{Secret: "t", URL: "https://acme.domo.com", AuthType: AuthBearer}, "url", "URL https://acme.domo.com is Domo's host, not the Domino Data Lab API: enter your Domino deployment's address"},
		{"thousandeyes web app", "thousandeyes", ProviderSettings{Secret: "t", URL: "https://app.thousandeyes.com"}, "url", "is ThousandEyes' web site, not its API: leave the URL empty for https://api.thousandeyes.com"},
		{"datafold marketing site", "datafold", ProviderSettings{Secret: "t", URL: "https://www.datafold.com"}, "url", "use https://app.datafold.com (US), https://eu.datafold.com (EU)"},
		{"domo on the platform host", "domo", ProviderSettings{Secret: "t", URL: "https://api.domo.com"}, "url", "is Domo's platform API, not an instance"},
		{"platform on an instance host", "domo-platform", ProviderSettings{Secret: "t", ClientID: "c", URL: "https://acme.domo.com"}, "url", "is a Domo instance, not the platform API"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckProvider(c.id, c.p)
			if c.setting == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var se *SettingError
			if !errors.As(err, &se) {
				t.Fatalf("want a SettingError, got %v", err)
			}
			if se.Provider != c.id || se.Setting != c.setting || !strings.HasPrefix(err.Error(), c.id+": ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %s (setting %q), want setting %q and %q", err, se.Setting, c.setting, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") || (c.p.Secret != "" && len(c.p.Secret) > 1 && strings.Contains(err.Error(), c.p.Secret)) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
	if err := CheckProvider("splunk", ProviderSettings{}); err == nil || !strings.Contains(err.Error(), "unknown provider") {
		t.Fatalf("unknown provider: %v", err)
	}
}
