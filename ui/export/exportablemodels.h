#pragma once
// ExportableModels: what a recorded run has to export, found in the history the way
// engine::export_model finds it — the float checkpoint, and the INT8 model an INT8 export
// would use (or none: the export then runs post-training quantization first). The export
// dialog reads it on a worker to fill in its defaults and to say what INT8 will do.
#include <string>

#include <QString>

#include "sparq/profiler/run_store.h"

namespace sparq::ui {

struct ExportableModels {
    QString checkpoint;          // the float model; empty when the run recorded none
    bool checkpointExists = false;
    QString int8Model;           // empty: an INT8 export quantizes first
    profiler::RunId int8FromRun = 0;  // the quantize run that made int8Model (may be the run itself)
    QString error;               // the history could not be read

    /// Why the run cannot be exported (no checkpoint, a missing file, an unreadable history),
    /// or an empty string.
    QString problem(profiler::RunId run) const;
};

/// Looks up the models of `run` in the history at `dbPath`. Any thread; never throws.
ExportableModels findExportableModels(const std::string& dbPath, const profiler::RunRecord& run);

/// Whether the History view offers to export `run`: a finished train or quantize run whose
/// summary does not say it kept no model (an interrupted run's summary says nothing; its
/// artifacts decide, once the dialog has looked).
bool mayHaveExportableModel(const profiler::RunRecord& run);

/// The architecture of `run` ("mlp", "cnn", "gated-mlp"), from its configuration (train runs)
/// or summary (quantize runs); empty when neither names it.
QString architectureOf(const profiler::RunRecord& run);

}  // namespace sparq::ui
