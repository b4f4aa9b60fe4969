package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/models"
)

func health(t *testing.T, s backend.DataSourceInstanceSettings) *backend.CheckHealthResult {
	t.Helper()
	res, err := newSimDatasource(t, s).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// healthDetails are the JSON details Grafana shows under the title: the
// first thing to fix, then one line per provider.
type healthDetails struct {
	Message        string           `json:"message"`
	VerboseMessage string           `json:"verboseMessage"`
	Providers      []providerHealth `json:"providers"`
}

func detailsOf(t *testing.T, res *backend.CheckHealthResult) healthDetails {
	t.Helper()
	var d healthDetails
	if err := json.Unmarshal(res.JSONDetails, &d); err != nil {
		t.Fatalf("details %s: %v", res.JSONDetails, err)
	}
	return d
}

func TestHealthReportsEveryProviderByName(t *testing.T) {
	_, srv := shared(t)
	res := health(t, simSettings(srv.URL))
	if res.Status != backend.HealthStatusOk || res.Message != "5 of 5 providers working" {
		t.Fatalf("%v: %s", res.Status, res.Message)
	}
	d := detailsOf(t, res)
	if len(d.Providers) != 5 || d.Message != "Domo, Domo platform API, Domino Data Lab, Datafold, Cisco ThousandEyes: connected and read the audit log." {
		t.Fatalf("details %s", res.JSONDetails)
	}
	// One line per provider, as Grafana shows it (white-space: pre-wrap).
	lines := strings.Split(d.VerboseMessage, "\n")
	if len(lines) != 5 || lines[0] != "Domo: OK — connected to "+strings.TrimPrefix(srv.URL, "http://")+" and read the audit log" {
		t.Fatalf("verboseMessage %q", d.VerboseMessage)
	}
}

func TestHealthSaysWhatIsWrongInAdminWords(t *testing.T) {
	_, srv := shared(t)
	s := simSettings(srv.URL)
	var jd map[string]map[string]map[string]any
	_ = json.Unmarshal(s.JSONData, &jd)
	jd["providers"]["domino"]["url"] = srv.URL + "/wrong-prefix"            // a web server, not the API
	jd["providers"]["datafold"]["url"] = "http://127.0.0.1:1"               // nothing listens
	jd["providers"]["thousandeyes"]["url"] = "https://user:pw@host.example" // credentials in the URL
	s.JSONData, _ = json.Marshal(jd)
	s.DecryptedSecureJSONData = map[string]string{
		"domoToken":                "not-the-token",
		"domoPlatformClientSecret": "", // missing
		"dominoToken":              "sim-domino-jwt",
		"datafoldApiKey":           "sim-datafold-key",
		"thousandeyesToken":        "sim-te-token",
	}
	res := health(t, s)
	if res.Status != backend.HealthStatusError || res.Message != "0 of 5 providers working; failed: Domo, Domo platform API, Domino Data Lab, Datafold, Cisco ThousandEyes" {
		t.Fatalf("%v: %s", res.Status, res.Message)
	}
	d := detailsOf(t, res)
	if !strings.HasPrefix(d.Message, "Domo: FAILED — domo: the API answered HTTP 401") {
		t.Errorf("the first thing to fix: %q", d.Message)
	}
	lines := strings.Split(d.VerboseMessage, "\n")
	if len(lines) != 5 {
		t.Fatalf("want one line per provider: %q", d.VerboseMessage)
	}
	for _, want := range []string{
		"Domo: FAILED — domo: the API answered HTTP 401",
		"Admin > Authentication > Access tokens",
		"Domo platform API: FAILED — domo-platform: the client secret is missing",
		"Domino Data Lab: FAILED", "check the URL",
		"Datafold: FAILED — datafold: cannot reach 127.0.0.1:1",
		"Cisco ThousandEyes: FAILED — thousandeyes: URL must not contain a user name or password",
	} {
		if !strings.Contains(d.VerboseMessage, want) {
			t.Errorf("health details lack %q:\n%s", want, d.VerboseMessage)
		}
	}
	for _, secret := range []string{"not-the-token", "sim-domino-jwt", "sim-datafold-key", "sim-te-token", "pw@"} {
		if strings.Contains(res.Message, secret) || strings.Contains(string(res.JSONDetails), secret) {
			t.Errorf("health leaks %q", secret)
		}
	}
}

func TestHealthWithNoProviders(t *testing.T) {
	res := health(t, backend.DataSourceInstanceSettings{JSONData: []byte(`{}`)})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "No provider is enabled") {
		t.Fatalf("%s", res.Message)
	}
}

// Configuration mistakes are caught before any request, with the provider,
// the setting and what to do; the other providers still report OK.
func TestHealthCatchesConfigMistakes(t *testing.T) {
	_, srv := shared(t)
	for _, c := range []struct {
		name, id, url, secret string // url / secret: "" = unchanged
		setting, want         string
	}{
		{name: "plain http to the vendor", id: "thousandeyes", url: "http://api.thousandeyes.com", setting: "url",
			want: "Cisco ThousandEyes: FAILED — thousandeyes: URL http://api.thousandeyes.com uses plain http, but api.thousandeyes.com is ThousandEyes' own host, which must be reached over https so that the credentials are encrypted: use https://api.thousandeyes.com"},
		{name: "endpoint pasted on the vendor host", id: "domo", url: "https://acme.domo.com/api/audit/v1/user-audits", setting: "url",
			want: "Domo: FAILED — domo: URL https://acme.domo.com/api/audit/v1/user-audits has a path, but Domo serves its API at the root of acme.domo.com: enter only https://acme.domo.com"},
		{name: "endpoint pasted on another host", id: "datafold", url: srv.URL + "/api/v1/audit_logs", setting: "url",
			want: "Datafold: FAILED — datafold: URL " + srv.URL + "/api/v1/audit_logs contains the API path /api/v1/audit_logs: enter the base URL without it (" + srv.URL + ")"},
		{name: "credentials in the URL", id: "domino", url: "https://admin:s3cret-pw@domino.example.com", setting: "url",
			want: "Domino Data Lab: FAILED — domino: URL must not contain a user name or password"},
		{name: "missing secret", id: "domo-platform", secret: "-", setting: "domoPlatformClientSecret",
			want: "Domo platform API: FAILED — domo-platform: the client secret is missing: enter it in the Domo platform API section of the data source settings (secureJsonData.domoPlatformClientSecret when provisioning)"},
		{name: "secret pasted with a line break", id: "thousandeyes", secret: "sim-te-token\nsim-te-token", setting: "thousandeyesToken",
			want: "Cisco ThousandEyes: FAILED — thousandeyes: the user API token contains spaces or line breaks"},
		{name: "platform pointed at an instance", id: "domo-platform", url: "https://acme.domo.com", setting: "url",
			want: "domo-platform: URL https://acme.domo.com is a Domo instance, not the platform API"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := simSettings(srv.URL)
			var jd map[string]map[string]map[string]any
			_ = json.Unmarshal(s.JSONData, &jd)
			if c.url != "" {
				jd["providers"][c.id]["url"] = c.url
			}
			s.JSONData, _ = json.Marshal(jd)
			secrets := map[string]string{}
			for k, v := range s.DecryptedSecureJSONData {
				secrets[k] = v
			}
			switch c.secret {
			case "":
			case "-":
				delete(secrets, models.SecretKey(c.id))
			default:
				secrets[models.SecretKey(c.id)] = c.secret
			}
			s.DecryptedSecureJSONData = secrets
			res := health(t, s)
			if res.Status != backend.HealthStatusError || res.Message != "4 of 5 providers working; failed: "+label(c.id) {
				t.Fatalf("%v: %s", res.Status, res.Message)
			}
			details := detailsOf(t, res)
			if !strings.Contains(details.Message, c.want) {
				t.Errorf("the first thing to fix lacks %q:\n%s", c.want, details.Message)
			}
			for _, p := range details.Providers {
				if p.ID == c.id && (p.OK || p.Setting != c.setting) {
					t.Errorf("details of %s: %+v, want setting %q", c.id, p, c.setting)
				}
				if p.ID != c.id && !p.OK {
					t.Errorf("%s should still work: %+v", p.ID, p)
				}
			}
			for _, leak := range []string{"s3cret-pw", "sim-te-token\n"} {
				if strings.Contains(res.Message, leak) || strings.Contains(string(res.JSONDetails), leak) {
					t.Errorf("health shows %q", leak)
				}
			}
		})
	}
}
