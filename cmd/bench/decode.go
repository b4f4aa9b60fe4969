package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// The baseline: the captured page bodies decoded with plain encoding/json
// into typed structs holding every field the simulated vendor sends (times
// as the JSON type they arrive in, time.Time where encoding/json reads the
// format itself). It is the cost of reading the data at all; the engine
// also maps records to events, keys, de-duplicates, sorts and builds frames.

type domoRecord struct {
	UserName          string `json:"userName"`
	UserID            string `json:"userId"`
	UserType          string `json:"userType"`
	ActionType        string `json:"actionType"`
	ObjectType        string `json:"objectType"`
	AdditionalComment string `json:"additionalComment"`
	Time              int64  `json:"time"`
	EventText         string `json:"eventText"`
}

type domoPlatformRecord struct {
	ActionType        string `json:"actionType"`
	ActorID           int64  `json:"actorId"`
	ActorName         string `json:"actorName"`
	AdditionalComment string `json:"additionalComment"`
	BrowserDetails    string `json:"browserDetails"`
	Device            string `json:"device"`
	EventText         string `json:"eventText"`
	IPAddress         string `json:"ipAddress"`
	ObjectID          string `json:"objectId"`
	ObjectName        string `json:"objectName"`
	ObjectType        string `json:"objectType"`
	Time              string `json:"time"` // "2026-10-26 11:59:59 PM"
	UserID            string `json:"userId"`
	UserName          string `json:"userName"`
	UserType          string `json:"userType"`
}

type dominoEntity struct {
	EntityType string `json:"entityType"`
	ID         string `json:"id"`
	Name       string `json:"name"`
}

type dominoName struct {
	Name string `json:"name"`
}

type dominoRecord struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Actor     struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"actor"`
	Action struct {
		EventName string `json:"eventName"`
	} `json:"action"`
	In      *dominoEntity `json:"in"`
	Targets []struct {
		Entity       dominoEntity `json:"entity"`
		FieldChanges []struct {
			FieldName string       `json:"fieldName"`
			FieldType string       `json:"fieldType"`
			Before    *string      `json:"before"`
			After     *string      `json:"after"`
			Unit      string       `json:"unit"`
			Added     []dominoName `json:"added"`
			Removed   []dominoName `json:"removed"`
		} `json:"fieldChanges"`
	} `json:"targets"`
	Affecting []dominoEntity    `json:"affecting"`
	Metadata  map[string]string `json:"metadata"`
}

type datafoldRecord struct {
	Timestamp     time.Time       `json:"timestamp"`
	EventUUID     string          `json:"event_uuid"`
	ClientIP      string          `json:"client_ip"`
	URL           string          `json:"url"`
	Action        *string         `json:"action"`
	IsSupportUser *bool           `json:"is_support_user"`
	LogEntry      *string         `json:"log_entry"`
	ObjectID      *int64          `json:"object_id"`
	ObjectType    *string         `json:"object_type"`
	Payload       json.RawMessage `json:"payload"`
	Referer       *string         `json:"referer"`
	RequestType   string          `json:"request_type"`
	Source        string          `json:"source"`
	Status        string          `json:"status"`
	UserAgent     string          `json:"user_agent"`
	UserEmail     string          `json:"user_email"`
	UserID        *int64          `json:"user_id"`
}

type thousandEyesRecord struct {
	AID              string    `json:"aid"`
	AccountGroupName string    `json:"accountGroupName"`
	Date             time.Time `json:"date"`
	Event            string    `json:"event"`
	IPAddress        string    `json:"ipAddress"`
	UID              string    `json:"uid"`
	User             string    `json:"user"`
	Resources        []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"resources"`
}

type href struct {
	Href string `json:"href"`
}

// decodePage decodes one body of provider and returns the decoded page
// (kept alive by the caller, as the engine keeps its events) and its
// number of records.
func decodePage(provider string, body []byte) (any, int, error) {
	switch provider {
	case "domo":
		var recs []domoRecord
		err := json.Unmarshal(body, &recs)
		return recs, len(recs), err
	case "domo-platform":
		var recs []domoPlatformRecord
		err := json.Unmarshal(body, &recs)
		return recs, len(recs), err
	case "domino":
		var page struct {
			Events []dominoRecord `json:"events"`
		}
		err := json.Unmarshal(body, &page)
		return page, len(page.Events), err
	case "datafold":
		var page struct {
			Logs []datafoldRecord `json:"logs"`
		}
		err := json.Unmarshal(body, &page)
		return page, len(page.Logs), err
	case "thousandeyes":
		var page struct {
			AuditEvents []thousandEyesRecord `json:"auditEvents"`
			StartDate   string               `json:"startDate"`
			EndDate     string               `json:"endDate"`
			Links       struct {
				Self     *href `json:"self"`
				Next     *href `json:"next"`
				Previous *href `json:"previous"`
			} `json:"_links"`
		}
		err := json.Unmarshal(body, &page)
		return page, len(page.AuditEvents), err
	}
	return nil, 0, fmt.Errorf("no baseline decoder for %q", provider)
}

// baseline is the plain decode of one capture.
type baseline struct {
	CPU     time.Duration
	Wall    time.Duration
	Pages   int
	Records int
	Bytes   int64
}

// baselineRuns is how many times the baseline decode runs; its median is
// reported (on a shared VM one run varied by ±25 %).
const baselineRuns = 3

// decodeBaseline decodes every captured body of provider, timing only the
// decoding (the bodies are read into memory first) with this process's CPU
// time and keeping every decoded page until the end of a run; it reports
// the run with the median CPU time.
func decodeBaseline(provider, path string) (baseline, error) {
	bodies, err := readBodies(path)
	if err != nil {
		return baseline{}, fmt.Errorf("reading the captured bodies: %v", err)
	}
	if len(bodies) == 0 {
		return baseline{}, fmt.Errorf("no page bodies were captured")
	}
	runs := make([]baseline, 0, baselineRuns)
	for range baselineRuns {
		b, err := decodeOnce(provider, bodies)
		if err != nil {
			return b, err
		}
		runs = append(runs, b)
	}
	slices.SortFunc(runs, func(a, b baseline) int { return cmp.Compare(a.CPU, b.CPU) })
	return runs[len(runs)/2], nil
}

func decodeOnce(provider string, bodies [][]byte) (baseline, error) {
	var b baseline
	for _, body := range bodies {
		b.Bytes += int64(len(body))
	}
	kept := make([]any, 0, len(bodies))
	runtime.GC()
	c0, t0 := cpuTime(), time.Now()
	for i, body := range bodies {
		page, n, err := decodePage(provider, body)
		if err != nil {
			return b, fmt.Errorf("baseline decode of page %d: %v", i, err)
		}
		kept = append(kept, page)
		b.Records += n
	}
	b.Wall, b.CPU = time.Since(t0), cpuTime()-c0
	b.Pages = len(kept)
	runtime.KeepAlive(kept)
	return b, nil
}
