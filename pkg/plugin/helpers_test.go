package plugin

import (
	"context"
	"net/http"
)

type (
	contextT = context.Context
	requestT = http.Request
)

func ctxT() context.Context { return context.Background() }
