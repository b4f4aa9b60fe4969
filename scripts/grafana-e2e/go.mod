// Wrapper module that builds the Grafana server for scripts/grafana-e2e.sh.
//
// github.com/grafana/grafana is required at the only version the Go module
// proxy serves (a Grafana 10.0 pre-release, 2023-06-09; every 10.x-12.x
// version answers 403). The script copies this file, go.sum and tools.go
// into a build directory next to ./grafana-src, a copy of that module with
// pkg/server/wire_gen.go generated (it is not part of the module).
//
// The replace lines below are Grafana's own (its go.mod at that commit):
// replace directives of a dependency are ignored, so a module that builds
// Grafana has to repeat them. Keep them in step with Grafana's go.mod when
// changing the version.
module local/grafana-e2e-build

go 1.21

require github.com/grafana/grafana v1.9.2-0.20230609164553-81d85ce8028d

replace github.com/grafana/grafana => ./grafana-src

replace github.com/denisenkom/go-mssqldb => github.com/grafana/go-mssqldb v0.9.2

replace github.com/docker/docker => github.com/moby/moby v23.0.4+incompatible

replace cuelang.org/go => github.com/sdboyer/cue v0.5.0-beta.2.0.20230419165817-251c3ae823d8

replace github.com/deepmap/oapi-codegen => github.com/spinillos/oapi-codegen v1.12.5-0.20230417081915-2945b61c0b1c

replace k8s.io/client-go => k8s.io/client-go v0.25.3

replace github.com/crewjam/saml => github.com/grafana/saml v0.4.13-0.20230331080031-67cbfa09c7b6

replace github.com/hashicorp/go-hclog => github.com/hashicorp/go-hclog v0.16.1

replace xorm.io/xorm => github.com/grafana/xorm v0.8.3-0.20220614223926-2fcda7565af6

replace github.com/prometheus/alertmanager => github.com/grafana/prometheus-alertmanager v0.25.1-0.20230426142720-803b73a2f1f7

replace google.golang.org/grpc => google.golang.org/grpc v1.45.0

replace google.golang.org/genproto => google.golang.org/genproto v0.0.0-20220421151946-72621c1f0bd3

replace github.com/lib/pq => github.com/lib/pq v1.10.6
