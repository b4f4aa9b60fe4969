package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func health(t *testing.T, s backend.DataSourceInstanceSettings) *backend.CheckHealthResult {
	t.Helper()
	res, err := newSimDatasource(t, s).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestHealthReportsEveryProviderByName(t *testing.T) {
	_, srv := shared(t)
	res := health(t, simSettings(srv.URL))
	if res.Status != backend.HealthStatusOk || !strings.HasPrefix(res.Message, "5 of 5 providers working.") {
		t.Fatalf("%v: %s", res.Status, res.Message)
	}
	var details struct {
		Providers []providerHealth `json:"providers"`
	}
	if err := json.Unmarshal(res.JSONDetails, &details); err != nil || len(details.Providers) != 5 {
		t.Fatalf("details %s", res.JSONDetails)
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
	if res.Status != backend.HealthStatusError || !strings.HasPrefix(res.Message, "0 of 5 providers working.") {
		t.Fatalf("%v: %s", res.Status, res.Message)
	}
	for _, want := range []string{
		"Domo: FAILED — domo: the API answered HTTP 401",
		"Admin > Authentication > Access tokens",
		"Domo platform API: FAILED — domo-platform: the client secret is missing",
		"Domino Data Lab: FAILED", "check the URL",
		"Datafold: FAILED — datafold: cannot reach 127.0.0.1:1",
		"Cisco ThousandEyes: FAILED — thousandeyes: URL must not contain a user name or password",
	} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("health message lacks %q:\n%s", want, res.Message)
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
