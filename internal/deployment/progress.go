package deployment

import (
	"context"
	"math"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// LogSubsystem carries the deployment's progress lines; its level is set
// with TF_LOG_PROVIDER_GEUSEMAKER_DEPLOYMENT (INFO by default shows steps).
const LogSubsystem = "deployment"

func logContext(ctx context.Context, name string) context.Context {
	ctx = tflog.NewSubsystem(ctx, LogSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_GEUSEMAKER_DEPLOYMENT"))
	return tflog.SubsystemSetField(ctx, LogSubsystem, "geusemaker.deployment", name)
}

// info logs a progress line in the deployment subsystem.
func info(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemInfo(ctx, LogSubsystem, msg, fields)
}

// progressLogger logs each step's start and end with elapsed time.
type progressLogger struct {
	ctx   context.Context
	g     *graph
	start time.Time
}

func (p *progressLogger) started(name string) {
	info(p.ctx, "step started", map[string]any{"step": name, "elapsed_s": int(time.Since(p.start).Seconds())})
}

func (p *progressLogger) finished(name string, elapsed time.Duration, err error) {
	f := map[string]any{"step": name, "step_elapsed_s": round1(elapsed.Seconds()), "elapsed_s": int(time.Since(p.start).Seconds())}
	if err != nil {
		f["error"] = err.Error()
		tflog.SubsystemWarn(p.ctx, LogSubsystem, "step failed", f)
		return
	}
	info(p.ctx, "step completed", f)
}

// percent estimates progress through a wait of typical length.
func percent(elapsed, typical time.Duration) int {
	if typical <= 0 {
		return 0
	}
	p := int(100 * elapsed.Seconds() / typical.Seconds())
	return min(p, 99)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
