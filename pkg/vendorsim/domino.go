package vendorsim

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// domino: Domino Data Lab audit trail, docs/vendors.md#domino.
// GET /api/audittrail/v1/auditevents, newest or oldest first on request.
// Domino records no logins; its burst is a mass "Download Files".

const (
	dkFile = iota
	dkFiles
	dkJob
	dkSched
	dkApp
	dkDataset
	dkSnapshot
	dkGrantAdd
	dkGrantRemove
	dkDSCreate
	dkDSPerm
	dkCollabAdd
	dkCollabRemove
	dkRole
	dkCfgCreate
	dkCfgUpdate
	dkCfgDelete
	dkUserDisable
	dkUserEnable
	dkUserDelete
	dkFlag
)

type dominoTmpl struct {
	event string
	kind  int
	w     float64
	admin bool
}

// Event names are from Domino's glossary, except the ones marked guess.
var dominoTemplates = []dominoTmpl{
	{"View File", dkFile, 25, false},
	{"Edit File", dkFile, 8, false},
	{"Upload Files", dkFiles, 5, false},
	{"Download Files", dkFiles, 6, false},
	{"Start Job", dkJob, 10, false},             // guess (not in the glossary excerpt)
	{"Create Scheduled Job", dkSched, 1, false}, // guess
	{"Publish App", dkApp, 1.5, false},
	{"Start App", dkApp, 2, false},
	{"Stop App", dkApp, 1.5, false},
	{"Create Dataset", dkDataset, 2, false},
	{"Create Dataset Snapshot", dkSnapshot, 1, false}, // guess
	{"Add Grant For Dataset", dkGrantAdd, 1, false},
	{"Remove Grant For Dataset", dkGrantRemove, 0.5, false},
	{"Create Data Source", dkDSCreate, 0.4, false},
	{"Change Data Source Permissions", dkDSPerm, 0.5, false},
	{"Add Collaborator", dkCollabAdd, 1, false},
	{"Remove Collaborator", dkCollabRemove, 0.5, false},
	{"Change User Role In Project", dkRole, 0.8, false},
	{"Create Configuration Record Setting", dkCfgCreate, 0.15, true},
	{"Update Configuration Record Setting", dkCfgUpdate, 0.3, true},
	{"Delete Configuration Record Setting", dkCfgDelete, 0.1, true},
	{"Disable User", dkUserDisable, 0.1, true},
	{"Enable User", dkUserEnable, 0.08, true},
	{"Delete User", dkUserDelete, 0.03, true},
	{"Update Feature Flag", dkFlag, 0.1, true}, // guess
}

const dominoDownload = 3 // "Download Files"

var (
	dominoProjects = []string{"churn-model", "fraud-detection", "demand-forecast", "nlp-sandbox", "credit-risk",
		"pricing-engine", "supply-chain-optim", "marketing-mix"}
	dominoFiles = []string{"README.md", "src/train.py", "src/features.py", "src/evaluate.py", "notebooks/eda.ipynb",
		"notebooks/model-comparison.ipynb", "data/customers.csv", "data/transactions.parquet", "data/labels.csv",
		"models/model.pkl", "results/metrics.json", "results/confusion_matrix.png", "requirements.txt", "app.py",
		"config/params.yaml", "sql/extract.sql", "reports/summary.pdf", "data/raw/claims_2024.csv",
		"data/raw/claims_2025.csv", "scripts/deploy.sh"}
	dominoCommands  = []string{"python train.py", "python evaluate.py --split test", "Rscript forecast.R", "jupyter nbconvert --execute notebooks/eda.ipynb", "python -m pipeline.refresh"}
	dominoSchedules = [][2]string{{"nightly-retrain", "0 2 * * *"}, {"weekly-report", "0 6 * * 1"}, {"hourly-refresh", "0 * * * *"}, {"month-end-close", "0 4 1 * *"}}
	dominoApps      = []string{"churn-dashboard", "fraud-triage", "forecast-explorer", "credit-scorecard"}
	dominoDatasets  = []string{"customer-features", "claims-2024", "transactions-raw", "forecast-inputs", "text-corpus", "feature-store-export"}
	dominoSources   = []string{"snowflake-prod", "s3-raw-data", "redshift-finance", "postgres-app-db", "bigquery-marketing"}
	dominoGroups    = []string{"data-science", "analysts", "ml-platform", "finance-readers"}
	dominoRoles     = []string{"Owner", "Contributor", "Results Consumer", "Launcher User", "Project Importer"}
	dominoConfigs   = []struct {
		key    string
		values []string
		unit   string
	}{
		{"com.cerebro.domino.frontend.sessionTimeoutMinutes", []string{"30", "60", "120"}, "minutes"},
		{"com.cerebro.domino.computegrid.defaultHardwareTier", []string{"small-k8s", "medium-k8s", "large-k8s"}, ""},
		{"com.cerebro.domino.workbench.maxRunDurationHours", []string{"24", "48", "72"}, "hours"},
		{"com.cerebro.domino.dataset.quotaGiB", []string{"100", "250", "500"}, "GiB"},
	}
	dominoFlags = []string{"ShortLived.DatasetSnapshotsUI", "ShortLived.NewJobsPage", "ShortLived.AuditTrailExport"}
)

type dEntity struct{ typ, id, name string }

type dChange struct {
	field, ftype, before, after, unit string
	added, removed                    []string
}

type dTarget struct {
	e       dEntity
	changes []dChange
}

type dRecord struct {
	event     string
	in        *dEntity
	targets   []dTarget
	affecting []dEntity
	meta      [][2]string
}

type dominoVendor struct {
	s       *Sim
	tmpls   weighted
	admins  []int
	burstBy []int
	burstIn int
}

func newDominoVendor(s *Sim) *dominoVendor {
	v := &dominoVendor{s: s, tmpls: weightedBy(dominoTemplates, func(t dominoTmpl) float64 { return t.w }), admins: admins(s.users)}
	v.burstBy = pickVictims(s, 3, 2)
	v.burstIn = int(mix(uint64(s.cfg.Seed), 0xd1) % uint64(len(dominoProjects)))
	return v
}

func dominoInProject(kind int) bool {
	switch kind {
	case dkDSCreate, dkDSPerm, dkCfgCreate, dkCfgUpdate, dkCfgDelete, dkUserDisable, dkUserEnable, dkUserDelete, dkFlag:
		return false
	}
	return true
}

func (v *dominoVendor) fill(rng *rand.Rand, r *rec, burst bool) {
	nu := len(v.s.users)
	if burst {
		r.user = uint16(v.burstBy[rng.IntN(len(v.burstBy))])
		r.tmpl, r.scope = dominoDownload, uint8(v.burstIn)
		r.obj = uint32(1 + rng.IntN(len(dominoFiles)))
		r.aux = uint32(rng.IntN(3))
		return
	}
	t := v.tmpls.pick(rng)
	tm := dominoTemplates[t]
	u := pickUser(rng, v.s)
	if tm.admin && !v.s.users[u].Admin {
		u = v.admins[rng.IntN(len(v.admins))]
	}
	r.user, r.tmpl = uint16(u), uint8(t)
	if dominoInProject(tm.kind) {
		r.scope = uint8(rng.IntN(len(dominoProjects)))
	}
	other := func() int { // another user
		o := rng.IntN(nu - 1)
		if o >= u {
			o++
		}
		return o
	}
	switch tm.kind {
	case dkFile:
		r.obj = uint32(1 + rng.IntN(len(dominoFiles)))
	case dkFiles:
		r.obj = uint32(1 + rng.IntN(len(dominoFiles)))
		if rng.IntN(3) == 0 {
			r.aux = uint32(1 + rng.IntN(2))
		}
	case dkJob:
		r.obj = uint32(1000 + rng.IntN(90000))
		r.aux = uint32(rng.IntN(len(dominoCommands)))
	case dkSched:
		r.obj = uint32(1 + rng.IntN(len(dominoSchedules)))
	case dkApp:
		r.obj = uint32(1 + rng.IntN(len(dominoApps)))
	case dkDataset:
		r.obj = uint32(1 + rng.IntN(len(dominoDatasets)))
	case dkSnapshot:
		r.obj = uint32(1 + rng.IntN(len(dominoDatasets)))
		r.aux = uint32(1 + rng.IntN(200))
	case dkGrantAdd, dkGrantRemove:
		r.obj = uint32(1 + rng.IntN(len(dominoDatasets)))
		r.aux = uint32(other())
	case dkDSCreate:
		r.obj = uint32(1 + rng.IntN(len(dominoSources)))
	case dkDSPerm:
		r.obj = uint32(1 + rng.IntN(len(dominoSources)))
		a := other()
		r.aux = uint32(a)
		if rng.IntN(2) == 0 {
			b := other()
			if b != a {
				r.aux |= 1<<16 | uint32(b)<<8
			}
		}
		if rng.IntN(3) == 0 {
			r.aux |= 1<<17 | uint32(rng.IntN(len(dominoGroups)))<<20
		}
	case dkCollabAdd, dkCollabRemove, dkUserDisable, dkUserEnable, dkUserDelete:
		r.obj = uint32(1 + other())
	case dkRole:
		r.obj = uint32(1 + other())
		a := rng.IntN(len(dominoRoles))
		b := (a + 1 + rng.IntN(len(dominoRoles)-1)) % len(dominoRoles)
		r.aux = uint32(a) | uint32(b)<<4
	case dkCfgCreate, dkCfgUpdate, dkCfgDelete:
		r.obj = uint32(1 + rng.IntN(len(dominoConfigs)))
		a := rng.IntN(3)
		r.aux = uint32(a) | uint32((a+1+rng.IntN(2))%3)<<4
	case dkFlag:
		r.obj = uint32(1 + rng.IntN(len(dominoFlags)))
		r.aux = uint32(rng.IntN(2))
	}
}

func (v *dominoVendor) entityID(kind string, parts ...uint64) string {
	h := uint64(0xd011)
	for i := 0; i < len(kind); i++ {
		h = splitmix64(h ^ uint64(kind[i]))
	}
	for _, p := range parts {
		h = splitmix64(h ^ p)
	}
	return objectID(h)
}

func (v *dominoVendor) userEntity(u int) dEntity {
	return dEntity{"user", v.s.users[u].DominoID, v.s.users[u].Login}
}

// build expands a compact record into Domino's structure.
func (v *dominoVendor) build(r *rec) dRecord {
	tm := dominoTemplates[r.tmpl]
	d := dRecord{event: tm.event}
	proj := uint64(r.scope)
	if dominoInProject(tm.kind) {
		d.in = &dEntity{"project", v.entityID("project", proj), dominoProjects[r.scope]}
	}
	target := func(e dEntity, ch ...dChange) { d.targets = append(d.targets, dTarget{e, ch}) }
	file := func(i uint32) dEntity {
		i = (i - 1) % uint32(len(dominoFiles))
		return dEntity{"file", v.entityID("file", proj, uint64(i)), dominoFiles[i]}
	}
	switch tm.kind {
	case dkFile:
		target(file(r.obj))
	case dkFiles:
		for k := uint32(0); k <= r.aux&3; k++ {
			target(file(r.obj + k))
		}
	case dkJob:
		target(dEntity{"job", v.entityID("job", proj, uint64(r.obj)), "Run #" + strconv.Itoa(int(r.obj))})
		d.meta = [][2]string{{"command", dominoCommands[r.aux%uint32(len(dominoCommands))]}}
	case dkSched:
		s := dominoSchedules[r.obj-1]
		target(dEntity{"scheduledRun", v.entityID("scheduledRun", proj, uint64(r.obj)), s[0]})
		d.meta = [][2]string{{"schedule", s[1]}}
	case dkApp:
		target(dEntity{"app", v.entityID("app", proj, uint64(r.obj)), dominoApps[r.obj-1]})
	case dkDataset:
		target(dEntity{"dataset", v.entityID("dataset", proj, uint64(r.obj)), dominoDatasets[r.obj-1]})
	case dkSnapshot:
		target(dEntity{"datasetSnapshot", v.entityID("datasetSnapshot", proj, uint64(r.obj), uint64(r.aux)),
			dominoDatasets[r.obj-1] + " v" + strconv.Itoa(int(r.aux))})
	case dkGrantAdd, dkGrantRemove:
		ch := dChange{field: "grants", ftype: "list"}
		login := []string{v.s.users[r.aux].Login}
		if tm.kind == dkGrantAdd {
			ch.added = login
		} else {
			ch.removed = login
		}
		target(dEntity{"dataset", v.entityID("dataset", proj, uint64(r.obj)), dominoDatasets[r.obj-1]}, ch)
		ae := v.userEntity(int(r.aux))
		ae.typ = "appliedUser"
		d.affecting = []dEntity{ae}
	case dkDSCreate:
		target(dEntity{"dataSource", v.entityID("dataSource", uint64(r.obj)), dominoSources[r.obj-1]})
	case dkDSPerm:
		ch := dChange{field: "users", ftype: "list", added: []string{v.s.users[r.aux&0xff].Login}}
		if r.aux&(1<<16) != 0 {
			ch.removed = []string{v.s.users[(r.aux>>8)&0xff].Login}
		}
		chs := []dChange{ch}
		if r.aux&(1<<17) != 0 {
			chs = append(chs, dChange{field: "groups", ftype: "list", added: []string{dominoGroups[(r.aux>>20)%uint32(len(dominoGroups))]}})
		}
		target(dEntity{"dataSource", v.entityID("dataSource", uint64(r.obj)), dominoSources[r.obj-1]}, chs...)
	case dkCollabAdd, dkCollabRemove:
		target(v.userEntity(int(r.obj - 1)))
		ae := v.userEntity(int(r.obj - 1))
		ae.typ = "appliedUser"
		d.affecting = []dEntity{ae}
	case dkRole:
		target(v.userEntity(int(r.obj-1)), dChange{field: "role", ftype: "string",
			before: dominoRoles[r.aux&0xf], after: dominoRoles[(r.aux>>4)&0xf]})
		ae := v.userEntity(int(r.obj - 1))
		ae.typ = "appliedUser"
		d.affecting = []dEntity{ae}
	case dkCfgCreate, dkCfgUpdate, dkCfgDelete:
		c := dominoConfigs[r.obj-1]
		e := dEntity{"configurationRecord", v.entityID("configurationRecord", uint64(r.obj)), c.key}
		if tm.kind == dkCfgUpdate {
			target(e, dChange{field: "value", ftype: "string", before: c.values[r.aux&0xf], after: c.values[(r.aux>>4)&0xf], unit: c.unit})
		} else {
			target(e)
		}
	case dkUserDisable:
		target(v.userEntity(int(r.obj-1)), dChange{field: "status", ftype: "string", before: "Active", after: "Disabled"})
	case dkUserEnable:
		target(v.userEntity(int(r.obj-1)), dChange{field: "status", ftype: "string", before: "Disabled", after: "Active"})
	case dkUserDelete:
		target(v.userEntity(int(r.obj - 1)))
	case dkFlag:
		before, after := "false", "true"
		if r.aux == 0 {
			before, after = after, before
		}
		target(dEntity{"featureFlag", v.entityID("featureFlag", uint64(r.obj)), dominoFlags[r.obj-1]},
			dChange{field: "enabled", ftype: "boolean", before: before, after: after})
	}
	return d
}

func appendEntity(b []byte, e dEntity) []byte {
	b = append(b, '{')
	b = fieldStr(b, true, "entityType", e.typ)
	b = fieldStr(b, false, "id", e.id)
	b = fieldStr(b, false, "name", e.name)
	return append(b, '}')
}

func appendNames(b []byte, key string, names []string) []byte {
	b = append(b, ',')
	b = appendKey(b, key)
	b = append(b, '[')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = fieldStr(b, true, "name", n)
		b = append(b, '}')
	}
	return append(b, ']')
}

func (v *dominoVendor) render(b []byte, r *rec) []byte {
	d := v.build(r)
	u := &v.s.users[r.user]
	h := mix(uint64(v.s.cfg.Seed), 0xd0, uint64(r.seq))
	b = append(b, `{"id":"`...)
	b = appendUUID(b, h, splitmix64(h))
	b = append(b, '"')
	b = fieldInt(b, false, "timestamp", r.t/1000)
	b = append(b, `,"actor":{`...)
	b = fieldStr(b, true, "id", u.DominoID)
	b = fieldStr(b, false, "name", u.Login)
	b = fieldStr(b, false, "firstName", u.First)
	b = fieldStr(b, false, "lastName", u.Last)
	b = append(b, `},"action":{`...)
	b = fieldStr(b, true, "eventName", d.event)
	b = append(b, '}')
	if d.in != nil {
		b = append(b, `,"in":`...)
		b = appendEntity(b, *d.in)
	}
	b = append(b, `,"targets":[`...)
	for i, t := range d.targets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"entity":`...)
		b = appendEntity(b, t.e)
		if len(t.changes) > 0 {
			b = append(b, `,"fieldChanges":[`...)
			for j, c := range t.changes {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '{')
				b = fieldStr(b, true, "fieldName", c.field)
				b = fieldStr(b, false, "fieldType", c.ftype)
				if c.before != "" || c.after != "" {
					b = fieldStr(b, false, "before", c.before)
					b = fieldStr(b, false, "after", c.after)
				}
				if c.unit != "" {
					b = fieldStr(b, false, "unit", c.unit)
				}
				if len(c.added) > 0 {
					b = appendNames(b, "added", c.added)
				}
				if len(c.removed) > 0 {
					b = appendNames(b, "removed", c.removed)
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `],"affecting":[`...)
	for i, e := range d.affecting {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEntity(b, e)
	}
	b = append(b, `],"metadata":{`...)
	for i, kv := range d.meta {
		b = fieldStr(b, i == 0, kv[0], kv[1])
	}
	return append(b, "}}"...)
}

// message is the ground-truth Message: the event name, each target with its
// field changes, and the project.
func (d *dRecord) message() string {
	var sb strings.Builder
	sb.WriteString(d.event)
	for i, t := range d.targets {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(" " + t.e.typ + ` "` + t.e.name + `"`)
		if len(t.changes) > 0 {
			sb.WriteString(" (")
			for j, c := range t.changes {
				if j > 0 {
					sb.WriteString("; ")
				}
				sb.WriteString(c.field + ":")
				if c.before != "" || c.after != "" {
					sb.WriteString(" " + c.before + " -> " + c.after)
				}
				for _, n := range c.added {
					sb.WriteString(" +" + n)
				}
				for _, n := range c.removed {
					sb.WriteString(" -" + n)
				}
			}
			sb.WriteString(")")
		}
	}
	if d.in != nil && d.in.name != "" {
		sb.WriteString(` in project "` + d.in.name + `"`)
	}
	return sb.String()
}

func (v *dominoVendor) event(r *rec, raw []byte) events.Event {
	d := v.build(r)
	u := &v.s.users[r.user]
	e := events.Event{
		Time: time.UnixMilli(r.t / 1000).UTC(), User: u.Login, UserID: u.DominoID,
		Action: d.event, Event: d.event, Message: d.message(), Raw: raw,
	}
	if len(d.targets) > 0 {
		t := d.targets[0].e
		e.ObjectType, e.ObjectID, e.ObjectName = t.typ, t.id, t.name
	}
	if d.in != nil {
		e.Scope = d.in.name
	}
	return e
}

// ---- HTTP ----

// dominoError: Domino documents no error body; Guess: a JSON {"message"}.
func dominoError(w http.ResponseWriter, status int, msg string) {
	b := []byte{'{'}
	b = fieldStr(b, true, "message", msg)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// GET /api/audittrail/v1/auditevents with Authorization: Bearer <token> or
// X-Domino-Api-Key: <key>. Filters are exact matches; startTimestamp and
// endTimestamp are inclusive (Guess); sort "timestamp" or "-timestamp"
// (Guess: ascending when absent); limit default 100, capped at 1000 (Guess).
func (s *Sim) dominoEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		dominoError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	okBearer := strings.EqualFold(scheme, "bearer") && strings.TrimSpace(tok) == s.cfg.DominoBearer
	okKey := r.Header.Get("X-Domino-Api-Key") == s.cfg.DominoAPIKey
	if !okBearer && !okKey {
		dominoError(w, http.StatusUnauthorized, "Unauthorized: a valid bearer token or X-Domino-Api-Key is required")
		return
	}
	q := r.URL.Query()
	lo, hi := int64(-1<<62), int64(1<<62)
	for _, p := range []struct {
		name string
		v    *int64
	}{{"startTimestamp", &lo}, {"endTimestamp", &hi}} {
		n, ok, err := parseInt64Param(q.Get(p.name))
		if err != nil {
			dominoError(w, http.StatusBadRequest, "Invalid value for "+p.name+": must be epoch milliseconds")
			return
		}
		if ok {
			*p.v = n * 1000
		}
	}
	off, _, err := parseInt64Param(q.Get("offset"))
	if err != nil || off < 0 {
		dominoError(w, http.StatusBadRequest, "Invalid value for offset")
		return
	}
	lim, present, err := parseInt64Param(q.Get("limit"))
	if !present {
		lim = 100
	}
	if err != nil || lim < 1 {
		dominoError(w, http.StatusBadRequest, "Invalid value for limit")
		return
	}
	lim = min(lim, 1000)
	asc := true
	if sv := q.Get("sort"); sv != "" {
		for i, f := range strings.Split(sv, ",") {
			f = strings.TrimSpace(f)
			desc := strings.HasPrefix(f, "-")
			name := strings.TrimLeft(f, "+-")
			if name != "timestamp" {
				dominoError(w, http.StatusBadRequest, "Invalid sort field: "+f)
				return
			}
			if i == 0 {
				asc = !desc
			}
		}
	}
	filters := map[string]string{}
	for _, k := range []string{"actorId", "actorName", "event", "targetType", "targetId", "targetName", "withinProjectId", "withinProjectName"} {
		if val := q.Get(k); val != "" {
			filters[k] = val
		}
	}
	var match func(*rec) bool
	if len(filters) > 0 {
		match = func(x *rec) bool { return s.domino.matches(x, filters) }
	}
	s.reading(r, pDomino, lo, hi, true)
	recs := s.sets[pDomino].load()
	a, b := span(recs, lo, hi)
	idx := pageOf(recs, a, b, asc, match, int(min(off, 1<<40)), int(lim))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	open, close := `{"events":[`, `]}`
	if s.cfg.DominoBareArray {
		open, close = "[", "]"
	}
	st := newStreamer(w, open, close)
	for _, i := range idx {
		st.add(func(b []byte) []byte { return s.domino.render(b, &recs[i]) })
	}
	st.finish()
}

func (v *dominoVendor) matches(r *rec, f map[string]string) bool {
	u := &v.s.users[r.user]
	if x, ok := f["actorId"]; ok && x != u.DominoID {
		return false
	}
	if x, ok := f["actorName"]; ok && x != u.Login {
		return false
	}
	tm := dominoTemplates[r.tmpl]
	if x, ok := f["event"]; ok && x != tm.event {
		return false
	}
	_, tt := f["targetType"]
	_, ti := f["targetId"]
	_, tn := f["targetName"]
	_, pi := f["withinProjectId"]
	_, pn := f["withinProjectName"]
	if !tt && !ti && !tn && !pi && !pn {
		return true
	}
	d := v.build(r)
	if pi || pn {
		if d.in == nil {
			return false
		}
		if pi && f["withinProjectId"] != d.in.id || pn && f["withinProjectName"] != d.in.name {
			return false
		}
	}
	if tt || ti || tn {
		found := false
		for _, t := range d.targets {
			if (!tt || f["targetType"] == t.e.typ) && (!ti || f["targetId"] == t.e.id) && (!tn || f["targetName"] == t.e.name) {
				found = true
				break
			}
		}
		return found
	}
	return true
}
