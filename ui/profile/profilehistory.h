#pragma once
// What the Profile view reads from the run history, on a worker thread through the read-only
// RunReader: the list of runs to pick from, and one past run's profile (its series on the
// view's time axis, its alerts and its profiler status line). Plain values come back.
#include <string>
#include <utility>
#include <vector>

#include <QString>

#include "profile/profiletimeline.h"

namespace sparq::ui {

struct ProfileRunChoice {
    qint64 id = 0;
    QString label;  // "Run 7 · mlp small · train · completed"
};

struct ProfileRunList {
    std::vector<ProfileRunChoice> runs;  // newest first
    QString error;                       // the history could not be read
};

/// Every run of the history at `dbPath` (archived ones too). Any thread; never throws.
ProfileRunList readProfileRuns(const std::string& dbPath);

/// A past run's profile. Times are seconds since the run's first recorded sample among the
/// series the view keeps, as live.
struct RecordedProfile {
    qint64 run = 0;
    QString title;   // "Run 7 · mlp small · train · completed"
    QString status;  // the profiler's status line (its "profiler" event); empty when none
    std::vector<std::pair<std::string, std::vector<TimedPoint>>> series;  // in time order
    std::vector<TimelineAlert> alerts;  // in time order
    QString error;  // the history could not be read
};

/// Reads run `run`'s profile. An alert event is placed at the time of the sample that fired
/// it (its series and step, as its message names them), else by the wall clock relative to
/// the profiler's start. Any thread; never throws.
RecordedProfile readRecordedProfile(const std::string& dbPath, qint64 run);

}  // namespace sparq::ui
