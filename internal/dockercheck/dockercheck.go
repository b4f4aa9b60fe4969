// Package dockercheck checks, without a Docker engine, that the images of
// docker-compose.yaml can be built: every file a Dockerfile copies is in
// its build context, and every package of this module that a `go build`
// in it compiles is copied in.
package dockercheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Build is one service's image build.
type Build struct {
	Service    string
	Context    string // absolute
	Dockerfile string // absolute
}

type composeFile struct {
	Services map[string]struct {
		Build   yaml.Node `yaml:"build"`
		Extends *struct {
			File    string `yaml:"file"`
			Service string `yaml:"service"`
		} `yaml:"extends"`
	} `yaml:"services"`
}

// ComposeBuilds lists the image builds of a compose file, following
// `extends` into other files (whose paths are relative to themselves).
func ComposeBuilds(path string) ([]Build, error) {
	var out []Build
	c, err := readCompose(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(c.Services))
	for name := range c.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b, ok, err := serviceBuild(path, c, name)
		if err != nil {
			return nil, err
		}
		if ok {
			b.Service = name
			out = append(out, b)
		}
	}
	return out, nil
}

func readCompose(path string) (*composeFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func serviceBuild(path string, c *composeFile, name string) (Build, bool, error) {
	s, ok := c.Services[name]
	if !ok {
		return Build{}, false, fmt.Errorf("%s: no service %q", path, name)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return Build{}, false, err
	}
	switch s.Build.Kind {
	case yaml.ScalarNode:
		ctx := filepath.Join(dir, s.Build.Value)
		return Build{Context: ctx, Dockerfile: filepath.Join(ctx, "Dockerfile")}, true, nil
	case yaml.MappingNode:
		var b struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		}
		if err := s.Build.Decode(&b); err != nil {
			return Build{}, false, fmt.Errorf("%s: service %s: %w", path, name, err)
		}
		ctx := filepath.Join(dir, b.Context)
		df := b.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		return Build{Context: ctx, Dockerfile: filepath.Join(ctx, df)}, true, nil
	}
	if s.Extends != nil {
		other := path
		oc := c
		if s.Extends.File != "" {
			other = filepath.Join(dir, s.Extends.File)
			var err error
			if oc, err = readCompose(other); err != nil {
				return Build{}, false, err
			}
		}
		return serviceBuild(other, oc, s.Extends.Service)
	}
	return Build{}, false, nil
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

func parseDockerfile(path string) ([]instruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out, sc.Err()
}

// copySources returns the context paths of a COPY or ADD, or nil for a
// copy from another stage or image.
func copySources(args string) []string {
	var words []string
	if strings.HasPrefix(args, "[") {
		_ = json.Unmarshal([]byte(args), &words)
	} else {
		words = strings.Fields(args)
	}
	var rest []string
	for _, w := range words {
		if strings.HasPrefix(w, "--from=") {
			return nil
		}
		if !strings.HasPrefix(w, "--") {
			rest = append(rest, w)
		}
	}
	if len(rest) < 2 {
		return nil
	}
	return rest[:len(rest)-1]
}

// goBuildTargets returns the package patterns of every `go build` in a RUN.
func goBuildTargets(args string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(args, func(r rune) bool { return r == ';' || r == '&' || r == '|' }) {
		words := strings.Fields(part)
		for i := 0; i+1 < len(words); i++ {
			if words[i] != "go" || words[i+1] != "build" {
				continue
			}
			for j := i + 2; j < len(words); j++ {
				w := words[j]
				if w == "-o" || w == "-ldflags" || w == "-tags" {
					j++
					continue
				}
				if !strings.HasPrefix(w, "-") {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// Check reports what the build's image would miss: COPY sources that are
// not in the context, and packages of the module in moduleRoot that a
// `go build` in the Dockerfile compiles but no COPY brings in. The
// Dockerfile is checked as the context's root being the module's root
// when it builds Go.
func Check(moduleRoot string, b Build) error {
	ins, err := parseDockerfile(b.Dockerfile)
	if err != nil {
		return err
	}
	var problems []string
	var copied []string // context-relative, slash-separated
	for _, in := range ins {
		if in.cmd != "COPY" && in.cmd != "ADD" {
			continue
		}
		for _, src := range copySources(in.args) {
			if strings.Contains(src, "://") {
				continue
			}
			matches, _ := filepath.Glob(filepath.Join(b.Context, src))
			if len(matches) == 0 {
				problems = append(problems, fmt.Sprintf("line %d: %s %s: %q is not in the build context %s", in.line, in.cmd, in.args, src, b.Context))
				continue
			}
			copied = append(copied, filepath.ToSlash(filepath.Clean(src)))
		}
	}
	covered := func(rel string) bool {
		for _, c := range copied {
			if c == "." || rel == c || strings.HasPrefix(rel, c+"/") {
				return true
			}
		}
		return false
	}
	for _, in := range ins {
		if in.cmd != "RUN" {
			continue
		}
		targets := goBuildTargets(in.args)
		if len(targets) == 0 {
			continue
		}
		for _, f := range []string{"go.mod", "go.sum"} {
			if !covered(f) {
				problems = append(problems, fmt.Sprintf("line %d: go build needs %s, which no COPY brings in", in.line, f))
			}
		}
		dirs, err := moduleDeps(moduleRoot, targets)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", b.Dockerfile, in.line, err)
		}
		for _, d := range dirs {
			rel, err := filepath.Rel(b.Context, d)
			if err != nil || strings.HasPrefix(rel, "..") {
				problems = append(problems, fmt.Sprintf("line %d: go build %s compiles %s, outside the build context %s", in.line, strings.Join(targets, " "), d, b.Context))
				continue
			}
			if rel = filepath.ToSlash(rel); !covered(rel) {
				problems = append(problems, fmt.Sprintf("line %d: go build %s compiles ./%s, which no COPY brings into the image", in.line, strings.Join(targets, " "), rel))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (service %s):\n  %s", b.Dockerfile, b.Service, strings.Join(problems, "\n  "))
	}
	return nil
}

// moduleDeps lists the directories of the main module's packages that the
// targets compile (for the machine's platform; the images are Linux).
func moduleDeps(moduleRoot string, targets []string) ([]string, error) {
	args := append([]string{"list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}"}, targets...)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %v: %s", strings.Join(targets, " "), err, stderr.String())
	}
	return strings.Fields(string(out)), nil
}
