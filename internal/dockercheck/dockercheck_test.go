package dockercheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const root = "../.."

func TestEveryComposeImageHasWhatItBuilds(t *testing.T) {
	builds, err := ComposeBuilds(filepath.Join(root, "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, b := range builds {
		services[b.Service] = true
		if err := Check(root, b); err != nil {
			t.Error(err)
		}
	}
	// The demo's two images: Grafana with the plugin (extends the
	// scaffold's base file) and the simulator, which compiles Go.
	if !services["grafana"] || !services["vendorsim"] {
		t.Fatalf("compose builds %v, want grafana and vendorsim", services)
	}
}

// The simulator's Dockerfile once copied pkg/ and cmd/ but not internal/,
// which cmd/vendorsim imports: the check must name what is missing.
func TestAContextThatLeavesOutAnImportedFolderFails(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "cmd", "vendorsim", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "COPY internal") {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(strings.Split(string(raw), "\n")) {
		t.Fatal("the simulator's Dockerfile no longer copies internal/ on its own line; update this test")
	}
	df := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(df, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	err = Check(root, Build{Service: "vendorsim", Context: abs, Dockerfile: df})
	if err == nil || !strings.Contains(err.Error(), "compiles ./internal/") {
		t.Fatalf("want the missing ./internal/... package named, got %v", err)
	}
}

func TestACopyOfAFileThatIsNotInTheContextFails(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(df, []byte("FROM scratch\nCOPY --chown=0:0 \\\n  entrypoint.sh /entrypoint.sh\nCOPY --from=build /x /x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Check(root, Build{Service: "x", Context: dir, Dockerfile: df})
	if err == nil || !strings.Contains(err.Error(), `"entrypoint.sh" is not in the build context`) || strings.Contains(err.Error(), "/x") {
		t.Fatalf("got %v", err)
	}
}

func TestGoBuildTargets(t *testing.T) {
	got := goBuildTargets(`CGO_ENABLED=0 go build -o /vendorsim -ldflags "-s" ./cmd/vendorsim && go build ./cmd/other`)
	if strings.Join(got, " ") != "./cmd/vendorsim ./cmd/other" {
		t.Fatalf("got %q", got)
	}
}
