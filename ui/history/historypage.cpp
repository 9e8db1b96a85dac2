#include "history/historypage.h"

#include <algorithm>
#include <exception>

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include "export/exportablemodels.h"
#include "export/exportdialog.h"
#include "history/historycharts.h"
#include "history/historyeditor.h"
#include "history/historyfilterbar.h"
#include "core/joblane.h"
#include "common/jobhistory.h"
#include "history/runchartsdialog.h"
#include "history/runeditdialogs.h"
#include "history/runfilterproxy.h"
#include "history/runtablemodel.h"
#include "sparq/profiler/export_runs.h"
#include "sparq/profiler/history_edit.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

using Kind = profiler::StoreError::Kind;

bool offersMoveAside(Kind kind) { return kind == Kind::Damaged || kind == Kind::Foreign; }

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list)
        if (!s.trimmed().isEmpty()) out.push_back(s.trimmed().toStdString());
    return out;
}

QString errorHtml(const QString& text) {
    return QStringLiteral("<span style='color:#c02020'>%1</span>").arg(text.toHtmlEscaped());
}

}  // namespace

HistoryPage::HistoryPage(Workbench* workbench, QWidget* parent)
    : QWidget(parent), workbench_(workbench) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>History</h2>"), this));

    // The banner for a database Sparq cannot read: what and where, and the way out.
    banner_ = new QFrame(this);
    banner_->setObjectName(QStringLiteral("historyProblem"));
    banner_->setFrameShape(QFrame::StyledPanel);
    banner_->setStyleSheet(QStringLiteral("#historyProblem { background: #fdecea; border: 1px solid #e0a0a0; }"));
    auto* bannerLayout = new QHBoxLayout(banner_);
    auto* icon = new QLabel(banner_);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(32, 32));
    bannerText_ = new QLabel(banner_);
    bannerText_->setWordWrap(true);
    bannerText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    moveAside_ = new QPushButton(tr("&Move aside and start a new history"), banner_);
    moveAside_->setObjectName(QStringLiteral("moveAside"));
    bannerLayout->addWidget(icon, 0, Qt::AlignTop);
    bannerLayout->addWidget(bannerText_, 1);
    bannerLayout->addWidget(moveAside_, 0, Qt::AlignVCenter);
    banner_->hide();
    layout->addWidget(banner_);

    filters_ = new HistoryFilterBar(this);
    layout->addWidget(filters_);

    toolbar_ = new QToolBar(this);
    toolbar_->setObjectName(QStringLiteral("historyToolbar"));
    toolbar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar_->setIconSize(QSize(16, 16));
    layout->addWidget(toolbar_);

    model_ = new RunTableModel(this);
    proxy_ = new RunFilterProxy(this);
    proxy_->setSourceModel(model_);

    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("historyTable"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setAlternatingRowColors(true);
    view_->setWordWrap(false);
    view_->verticalHeader()->hide();
    // Fixed row heights: the view never measures ten thousand rows.
    view_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view_->verticalHeader()->setDefaultSectionSize(view_->fontMetrics().height() + 8);
    QHeaderView* header = view_->horizontalHeader();
    header->setStretchLastSection(true);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->resizeSection(RunTableModel::Id, 60);
    header->resizeSection(RunTableModel::Name, 220);
    header->resizeSection(RunTableModel::Kind, 80);
    header->resizeSection(RunTableModel::Preset, 130);
    header->resizeSection(RunTableModel::Status, 110);
    header->resizeSection(RunTableModel::TestAccuracy, 100);
    header->resizeSection(RunTableModel::Duration, 100);
    header->resizeSection(RunTableModel::Started, 150);
    header->resizeSection(RunTableModel::Tags, 140);
    view_->setContextMenuPolicy(Qt::CustomContextMenu);

    // The table, or what to do when it is empty.
    tableStack_ = new QStackedWidget(this);
    tableStack_->addWidget(view_);
    auto* empty = new QWidget(this);
    auto* emptyLayout = new QVBoxLayout(empty);
    emptyText_ = new QLabel(empty);
    emptyText_->setObjectName(QStringLiteral("historyEmpty"));
    emptyText_->setAlignment(Qt::AlignCenter);
    emptyText_->setWordWrap(true);
    emptyText_->setStyleSheet(QStringLiteral("color: gray; font-size: 11pt;"));
    clearFilters_ = new QPushButton(tr("&Clear filters"), empty);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(emptyText_);
    emptyLayout->addWidget(clearFilters_, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(1);
    tableStack_->addWidget(empty);

    charts_ = new HistoryCharts(model_, this);
    charts_->setDatabase(workbench_->dbPath());
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("historySplitter"));
    splitter->addWidget(tableStack_);
    splitter->addWidget(charts_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    layout->addWidget(splitter, 1);

    status_ = new QLabel(tr("Loading…"), this);
    status_->setObjectName(QStringLiteral("historyStatus"));
    status_->setTextFormat(Qt::RichText);
    layout->addWidget(status_);

    editor_ = new HistoryEditor(workbench_->dbPath(), this);
    chartsTimer_ = new QTimer(this);
    chartsTimer_->setSingleShot(true);
    chartsTimer_->setInterval(60);

    buildActions();

    connect(filters_, &HistoryFilterBar::filterChanged, this, [this] {
        proxy_->setRunFilter(filters_->filter());
        updateEmptyState();
        updateStatus();
        scheduleCharts();
    });
    connect(clearFilters_, &QPushButton::clicked, filters_, &HistoryFilterBar::clear);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryPage::selectionChanged);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &HistoryPage::scheduleCharts);  // sorted
    connect(view_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        openCharts(proxy_->mapToSource(index).row());
    });
    connect(view_, &QTableView::customContextMenuRequested, this, &HistoryPage::showContextMenu);
    connect(chartsTimer_, &QTimer::timeout, this, [this] {
        charts_->setRuns(selectedRuns(), shownRuns(), numbers_);
    });
    connect(editor_, &HistoryEditor::edited, this, &HistoryPage::editDone);
    connect(editor_, &HistoryEditor::failed, this, &HistoryPage::editFailed);
    connect(editor_, &HistoryEditor::heldBackChanged, this, [this] {
        proxy_->setHiddenRuns(editor_->heldBack());
        updateActions();
        updateEmptyState();
        updateStatus();
        scheduleCharts();
    });
    connect(moveAside_, &QPushButton::clicked, this, &HistoryPage::moveHistoryAside);

    connect(workbench_, &Workbench::historyReopened, this, &HistoryPage::refresh);
    // A job's run appears when it starts and is complete when it ends (an export adds to the
    // run it exported).
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        connect(lane, &JobLane::started, this, [this] { refresh(); });
        // While a training job runs, keep its row (status, duration) current when in view.
        connect(lane, &JobLane::epoch, this, [this] {
            if (isVisible()) refresh();
        });
    });
    connect(workbench_, &Workbench::laneFinished, this, [this](JobLane* lane) {
        awaitedRun_ = lane->end().run_id;
        awaitRetries_ = 0;
        refresh();
    });

    updateActions();
    updateEmptyState();
    refresh();
}

HistoryPage::~HistoryPage() = default;  // editor_, a child, deletes the held runs

void HistoryPage::buildActions() {
    const auto make = [this](const QString& text, QStyle::StandardPixmap icon, const QString& tip, auto slot) {
        auto* a = new QAction(style()->standardIcon(icon), text, this);
        a->setToolTip(tip);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
        return a;
    };
    refreshAction_ = make(tr("Refresh"), QStyle::SP_BrowserReload, tr("Reload the history (F5)"), &HistoryPage::refresh);
    chartsAction_ = make(tr("Open charts"), QStyle::SP_FileDialogContentsView,
                         tr("The charts and events of the selected run (double-click, Enter)"), [this] {
                             if (const auto* r = singleSelected()) openCharts(model_->rowOf(r->id));
                         });
    chartsAction_->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    relaunchAction_ = make(tr("Open in launcher"), QStyle::SP_MediaPlay,
                           tr("Start a new job from this run's settings"), [this] {
                               const auto* run = singleSelected();
                               if (!run) return;
                               try {
                                   const engine::TrainSpec spec = engine::train_spec_from_json(
                                       run->config_json, "run " + std::to_string(run->id));
                                   emit launchWithSettings(spec, tr("settings of run %1").arg(run->id));
                               } catch (const std::exception& e) {
                                   QMessageBox::warning(this, tr("Sparq"),
                                                        tr("The settings of run %1 cannot be used: %2")
                                                            .arg(run->id)
                                                            .arg(QString::fromUtf8(e.what())));
                               }
                           });
    tagAction_ = make(tr("Tags…"), QStyle::SP_FileDialogListView, tr("Add or remove tags of the selected runs (Ctrl+T)"),
                      &HistoryPage::askTags);
    tagAction_->setShortcut(QKeySequence(QStringLiteral("Ctrl+T")));
    notesAction_ = make(tr("Notes…"), QStyle::SP_FileDialogInfoView, tr("Write notes on the selected run (Ctrl+E)"),
                        &HistoryPage::askNotes);
    notesAction_->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    renameAction_ = make(tr("Rename…"), QStyle::SP_FileLinkIcon, tr("Rename the selected run (F2)"), &HistoryPage::askRename);
    renameAction_->setShortcut(QKeySequence(Qt::Key_F2));
    archiveAction_ = make(tr("Archive"), QStyle::SP_DirClosedIcon,
                          tr("Hide the selected runs from the list, keeping them (\"Show archived\" lists them)"),
                          [this] { setSelectedArchived(true); });
    unarchiveAction_ = make(tr("Unarchive"), QStyle::SP_DirOpenIcon, tr("List the selected archived runs again"),
                            [this] { setSelectedArchived(false); });
    deleteAction_ = make(tr("Delete"), QStyle::SP_TrashIcon,
                         tr("Delete the selected runs (Del); undo with Ctrl+Z until the window closes"),
                         &HistoryPage::deleteSelected);
    deleteAction_->setShortcut(QKeySequence::Delete);
    undoAction_ = make(tr("Undo delete"), QStyle::SP_ArrowBack, tr("Bring back the runs deleted last (Ctrl+Z)"),
                       &HistoryPage::undoDelete);
    undoAction_->setShortcut(QKeySequence::Undo);
    exportAction_ = make(tr("Export…"), QStyle::SP_DialogSaveButton,
                         tr("Write the selected runs to a CSV or JSON file (Ctrl+Shift+S)"), &HistoryPage::askExport);
    exportAction_->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    exportModelAction_ = make(tr("Export model…"), QStyle::SP_ComputerIcon,
                              tr("Export the selected run's model as ONNX, a Sparq bundle or a Triton repository, "
                                 "verified against the engine"),
                              [this] { openExportDialog(); });
    auto* find = make(tr("Search"), QStyle::SP_FileDialogContentsView, tr("Search the runs"),
                      [this] { filters_->focusSearch(); });
    find->setShortcut(QKeySequence::Find);
    // Enter and Delete act on the table only: in a filter's field or menu they keep their own
    // meaning.
    for (QAction* a : {chartsAction_, deleteAction_}) {
        removeAction(a);
        a->setShortcutContext(Qt::WidgetShortcut);
        view_->addAction(a);
    }

    toolbar_->addAction(refreshAction_);
    toolbar_->addSeparator();
    for (QAction* a : {tagAction_, notesAction_, renameAction_, archiveAction_, unarchiveAction_, deleteAction_,
                       undoAction_})
        toolbar_->addAction(a);
    toolbar_->addSeparator();
    toolbar_->addAction(exportAction_);
    toolbar_->addAction(exportModelAction_);
}

void HistoryPage::refresh() {
    if (!loaded_) status_->setText(tr("Loading…"));
    const std::string path = workbench_->dbPath();
    tracker_.startJob(
        [path, previous = numbers_]() {
            Snapshot out;
            try {
                profiler::RunReader reader(path);
                out.runs = reader.list_runs();
                auto numbers = std::make_shared<RunNumbersById>();
                numbers->reserve(out.runs.size());
                for (const profiler::RunRecord& r : out.runs) {
                    const RunNumbers* before = nullptr;
                    if (previous)
                        if (auto it = previous->find(r.id); it != previous->end()) before = &it->second;
                    numbers->emplace(r.id, numbersOf(r, before));
                }
                out.numbers = std::move(numbers);
            } catch (const profiler::StoreError& e) {
                out.error = QString::fromUtf8(e.what());
                out.errorKind = e.kind();
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Snapshot snapshot) { apply(std::move(snapshot)); });
}

void HistoryPage::apply(Snapshot snapshot) {
    ++loads_;
    showProblem(snapshot);
    if (!snapshot.error.isEmpty()) {
        status_->setText(historyErrorHtml(snapshot.error));
        emit refreshed();
        return;
    }
    loaded_ = true;
    const std::vector<profiler::RunId> selected = selectedRuns();
    const QModelIndex current = view_->currentIndex();
    const profiler::RunId currentId = current.isValid() ? proxy_->runIdAt(current.row()) : 0;

    numbers_ = std::move(snapshot.numbers);
    filters_->setChoices(snapshot.runs);
    model_->setRuns(std::move(snapshot.runs));
    // A reset of the model clears the selection: put it back.
    if (selectedRuns() != selected) {
        selectRuns(selected);
        if (currentId) {
            const int row = model_->rowOf(currentId);
            const QModelIndex index = proxy_->mapFromSource(model_->index(row, 0));
            if (index.isValid()) view_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
        }
    }
    loadedAt_ = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
    updateEmptyState();
    updateStatus();
    updateActions();
    scheduleCharts();

    // The store commits a run's end on its writer thread; if this snapshot came too early,
    // look again shortly.
    if (awaitedRun_) {
        const auto* run = model_->runById(awaitedRun_);
        if (run && isUnfinished(run->status) && awaitRetries_ < 10) {
            ++awaitRetries_;
            QTimer::singleShot(300, this, &HistoryPage::refresh);
        } else {
            awaitedRun_ = 0;
        }
    }
    emit refreshed();
}

void HistoryPage::showProblem(const Snapshot& snapshot) {
    const bool show = !snapshot.error.isEmpty() && offersMoveAside(snapshot.errorKind);
    banner_->setVisible(show);
    if (!show) return;
    const QString path = QString::fromStdString(workbench_->dbPath());
    bannerText_->setText(
        tr("<b>The history database %1 is %2.</b><br>%3<br>Sparq will not write to it. Moving it aside renames it "
           "(nothing is deleted) and starts a new, empty history at the same place.")
            .arg(path.toHtmlEscaped(),
                 snapshot.errorKind == Kind::Foreign ? tr("not a Sparq history") : tr("damaged"),
                 snapshot.error.toHtmlEscaped()));
}

void HistoryPage::moveHistoryAside() {
    const std::string path = workbench_->dbPath();
    try {
        const std::string moved = profiler::move_aside(path);
        workbench_->reopenHistory();
        banner_->hide();
        loaded_ = false;
        notice_ = tr("The old file was moved to %1; a new history was started.").arg(QString::fromStdString(moved));
        noticeIsError_ = false;
    } catch (const std::exception& e) {
        notice_ = tr("Could not move %1 aside: %2").arg(QString::fromStdString(path), QString::fromUtf8(e.what()));
        noticeIsError_ = true;
        QMessageBox::warning(this, tr("Sparq"), notice_);
    }
    refresh();
}

std::vector<profiler::RunId> HistoryPage::selectedRuns() const {
    QModelIndexList rows = view_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    std::vector<profiler::RunId> out;
    out.reserve(std::size_t(rows.size()));
    for (const QModelIndex& index : rows)
        if (const profiler::RunId id = proxy_->runIdAt(index.row())) out.push_back(id);
    return out;
}

std::vector<profiler::RunId> HistoryPage::shownRuns() const {
    std::vector<profiler::RunId> out;
    const int n = proxy_->rowCount();
    out.reserve(std::size_t(n));
    for (int row = 0; row < n; ++row) out.push_back(proxy_->runIdAt(row));
    return out;
}

int HistoryPage::selectRuns(const std::vector<profiler::RunId>& ids) {
    std::vector<int> rows;
    for (profiler::RunId id : ids) {
        const QModelIndex index = proxy_->mapFromSource(model_->index(model_->rowOf(id), 0));
        if (index.isValid()) rows.push_back(index.row());
    }
    std::sort(rows.begin(), rows.end());
    // Runs of adjacent rows make one range each: selecting thousands of rows stays cheap.
    QItemSelection selection;
    const int last = proxy_->columnCount() - 1;
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1) ++j;
        selection.select(proxy_->index(rows[i], 0), proxy_->index(rows[j], last));
        i = j + 1;
    }
    view_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!rows.empty())
        view_->selectionModel()->setCurrentIndex(proxy_->index(rows.front(), 0), QItemSelectionModel::NoUpdate);
    return int(rows.size());
}

const profiler::RunRecord* HistoryPage::singleSelected() const {
    const std::vector<profiler::RunId> ids = selectedRuns();
    return ids.size() == 1 ? model_->runById(ids.front()) : nullptr;
}

void HistoryPage::selectionChanged() {
    updateActions();
    updateStatus();
    scheduleCharts();
}

void HistoryPage::scheduleCharts() { chartsTimer_->start(); }

void HistoryPage::updateActions() {
    const std::vector<profiler::RunId> ids = selectedRuns();
    bool anyArchived = false, anyLive = false, anyFinished = false;
    for (profiler::RunId id : ids)
        if (const auto* r = model_->runById(id)) {
            anyArchived |= r->archived;
            anyLive |= !r->archived;
            anyFinished |= !isUnfinished(r->status);
        }
    const bool one = ids.size() == 1, some = !ids.empty();
    chartsAction_->setEnabled(one);
    relaunchAction_->setEnabled(one);
    tagAction_->setEnabled(some);
    notesAction_->setEnabled(one);
    renameAction_->setEnabled(one);
    archiveAction_->setEnabled(anyLive);
    unarchiveAction_->setEnabled(anyArchived);
    deleteAction_->setEnabled(anyFinished);
    exportAction_->setEnabled(some);
    const profiler::RunRecord* single = one ? model_->runById(ids.front()) : nullptr;
    exportModelAction_->setEnabled(single && mayHaveExportableModel(*single));
    undoAction_->setEnabled(editor_->canUndo());
}

void HistoryPage::updateEmptyState() {
    const bool empty = proxy_->rowCount() == 0 && loaded_;
    if (empty) {
        const bool none = model_->rowCount() <= int(editor_->heldBack().size());
        const bool filtering = filters_->isFiltering();
        if (none)
            emptyText_->setText(tr("No runs recorded yet.\nStart one from the Launch view (Ctrl+1); every run lands "
                                   "here, to be compared, tagged and exported."));
        else if (filtering)
            emptyText_->setText(tr("No run matches these filters."));
        else
            emptyText_->setText(tr("Every run is archived. Tick \"Show archived\" to list them."));
        clearFilters_->setVisible(!none && filtering);
    }
    tableStack_->setCurrentIndex(empty ? 1 : 0);
}

void HistoryPage::updateStatus() {
    if (!loaded_) return;
    const int total = model_->rowCount() - int(editor_->heldBack().size());
    const int shown = proxy_->rowCount();
    const int selected = int(view_->selectionModel()->selectedRows().size());
    QString text = shown == total ? RunTableModel::countRuns(total)
                                  : tr("%1 of %2 shown").arg(QLocale().toString(shown), RunTableModel::countRuns(total));
    if (selected > 0) text += tr(" · %1 selected").arg(selected);
    if (!editor_->heldBack().empty())
        text += tr(" · %1 deleted (Ctrl+Z brings them back until the window closes)").arg(editor_->heldBack().size());
    text = text.toHtmlEscaped();
    text += tr(" · %1 · loaded %2").arg(QString::fromStdString(workbench_->dbPath()).toHtmlEscaped(), loadedAt_);
    if (!notice_.isEmpty()) text += QStringLiteral(" · ") + (noticeIsError_ ? errorHtml(notice_) : notice_.toHtmlEscaped());
    status_->setText(text);
}

void HistoryPage::editDone(const QString& what) {
    notice_ = what;
    noticeIsError_ = false;
    updateStatus();
    refresh();
}

void HistoryPage::editFailed(const QString& what, const QString& error) {
    notice_ = tr("%1 failed: %2").arg(what, error);
    noticeIsError_ = true;
    updateStatus();
    refresh();
}

void HistoryPage::tagSelected(const QStringList& add, const QStringList& remove) {
    const std::vector<profiler::RunId> ids = selectedRuns();
    if (ids.empty() || (add.isEmpty() && remove.isEmpty())) return;
    editor_->apply(tr("Tags of %1 changed").arg(RunTableModel::countRuns(int(ids.size()))),
                   [ids, add = toStd(add), remove = toStd(remove)](const std::string& db) {
                       profiler::tag_runs(db, ids, add, remove);
                   });
}

void HistoryPage::setSelectedArchived(bool archived) {
    std::vector<profiler::RunId> ids;
    for (profiler::RunId id : selectedRuns())
        if (const auto* r = model_->runById(id); r && r->archived != archived) ids.push_back(id);
    if (ids.empty()) return;
    editor_->apply((archived ? tr("%1 archived") : tr("%1 unarchived")).arg(RunTableModel::countRuns(int(ids.size()))),
                   [ids, archived](const std::string& db) { profiler::set_archived(db, ids, archived); });
}

void HistoryPage::setNotes(profiler::RunId id, const QString& notes) {
    editor_->apply(tr("Notes of run %1 saved").arg(id),
                   [id, text = notes.toStdString()](const std::string& db) { profiler::set_notes(db, id, text); });
}

void HistoryPage::renameRun(profiler::RunId id, const QString& name) {
    editor_->apply(tr("Run %1 renamed").arg(id),
                   [id, text = name.toStdString()](const std::string& db) { profiler::rename_run(db, id, text); });
}

void HistoryPage::deleteSelected() {
    std::vector<profiler::RunId> ids;
    int skipped = 0;
    for (profiler::RunId id : selectedRuns())
        if (const auto* r = model_->runById(id)) {
            if (isUnfinished(r->status))
                ++skipped;  // a run being written cannot go
            else
                ids.push_back(id);
        }
    if (ids.empty()) return;
    editor_->deleteRuns(ids);
    notice_ = tr("%1 deleted").arg(RunTableModel::countRuns(int(ids.size())));
    if (skipped) notice_ += tr("; %1 kept (still running)").arg(RunTableModel::countRuns(skipped));
    noticeIsError_ = false;
    updateStatus();
}

void HistoryPage::undoDelete() {
    const std::vector<profiler::RunId> back = editor_->undoDelete();
    if (back.empty()) return;
    notice_ = tr("%1 brought back").arg(RunTableModel::countRuns(int(back.size())));
    noticeIsError_ = false;
    selectRuns(back);
    updateStatus();
}

void HistoryPage::exportSelected(const QString& path, bool withSeries) {
    std::vector<profiler::RunRecord> runs;
    for (profiler::RunId id : selectedRuns())
        if (const auto* r = model_->runById(id)) runs.push_back(*r);
    const int n = int(runs.size());
    profiler::ExportOptions options;
    options.format = QFileInfo(path).suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0
                         ? profiler::ExportFormat::Json
                         : profiler::ExportFormat::Csv;
    options.series = withSeries;
    // The format of `sparq-cli history export`: one writer for both.
    exportTracker_.startJob(
        [db = workbench_->dbPath(), runs = std::move(runs), file = path.toStdString(), options]() {
            try {
                profiler::RunReader reader(db);  // the samples, when asked for
                profiler::write_file_atomically(file, profiler::export_runs(reader, runs, options));
            } catch (const std::exception& e) {
                return tr("Could not export the runs: %1").arg(QString::fromUtf8(e.what()));
            }
            return QString();
        },
                            [this, path, n](QString error) {
                                notice_ = error.isEmpty() ? tr("%1 exported to %2").arg(RunTableModel::countRuns(n), path) : error;
                                noticeIsError_ = !error.isEmpty();
                                updateStatus();
                                emit exported(path, error);
                            });
}

void HistoryPage::askTags() {
    std::vector<const profiler::RunRecord*> runs;
    for (profiler::RunId id : selectedRuns())
        if (const auto* r = model_->runById(id)) runs.push_back(r);
    TagEdit edit;
    if (askTagEdit(this, runs, edit)) tagSelected(edit.add, edit.remove);
}

void HistoryPage::askNotes() {
    const auto* run = singleSelected();
    QString notes;
    if (run && ui::askNotes(this, *run, notes)) setNotes(run->id, notes);
}

void HistoryPage::askRename() {
    const auto* run = singleSelected();
    QString name;
    if (run && askName(this, *run, name)) renameRun(run->id, name);
}

void HistoryPage::askExport() {
    const std::vector<profiler::RunId> ids = selectedRuns();
    if (ids.empty()) return;
    const QString table = tr("CSV, one row per run (*.csv)"), json = tr("JSON (*.json)"),
                  jsonSeries = tr("JSON with every sample (*.json)"), csvSeries = tr("CSV of every sample (*.csv)");
    QString selectedFilter;
    QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(RunTableModel::countRuns(int(ids.size()))),
                                                QStringLiteral("sparq-runs.csv"),
                                                QStringList{table, json, jsonSeries, csvSeries}.join(QStringLiteral(";;")),
                                                &selectedFilter);
    if (path.isEmpty()) return;
    const bool asJson = selectedFilter == json || selectedFilter == jsonSeries;
    if (QFileInfo(path).suffix().isEmpty()) path += asJson ? QStringLiteral(".json") : QStringLiteral(".csv");
    exportSelected(path, selectedFilter == jsonSeries || selectedFilter == csvSeries);
}

ExportDialog* HistoryPage::openExportDialog() {
    const profiler::RunRecord* run = singleSelected();
    if (!run || !mayHaveExportableModel(*run)) return nullptr;
    auto* dialog = new ExportDialog(workbench_, *run, {}, this);
    // Closing the dialog hides it; it goes once it is closed and holds no running export.
    connect(dialog, &QDialog::finished, dialog, [dialog] {
        if (!dialog->isExporting()) dialog->deleteLater();
    });
    connect(dialog, &ExportDialog::exportFinished, this,
            [this, dialog](qint64 id, const QString& path, const QString& error) {
                notice_ = error.isEmpty() ? tr("Run %1 exported to %2").arg(id).arg(path)
                                          : tr("Export of run %1 failed: %2").arg(id).arg(error);
                noticeIsError_ = !error.isEmpty();
                updateStatus();
                if (error.isEmpty()) refresh();  // the run's new artifact and event
                if (!dialog->isVisible()) dialog->deleteLater();
            });
    dialog->show();
    return dialog;
}

RunChartsDialog* HistoryPage::openCharts(int row) {
    const profiler::RunRecord* run = model_->runAt(row);
    if (!run) return nullptr;
    auto* dialog = new RunChartsDialog(workbench_->dbPath(), *run, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void HistoryPage::showContextMenu(const QPoint& pos) {
    const QModelIndex index = view_->indexAt(pos);
    if (!index.isValid()) return;
    // A right click on a row outside the selection selects that row alone, as file managers do.
    if (!view_->selectionModel()->isRowSelected(index.row(), QModelIndex())) selectRuns({proxy_->runIdAt(index.row())});
    QMenu menu(this);
    menu.addAction(chartsAction_);
    menu.addAction(relaunchAction_);
    menu.addSeparator();
    for (QAction* a : {tagAction_, notesAction_, renameAction_}) menu.addAction(a);
    menu.addSeparator();
    if (archiveAction_->isEnabled()) menu.addAction(archiveAction_);
    if (unarchiveAction_->isEnabled()) menu.addAction(unarchiveAction_);
    menu.addAction(deleteAction_);
    menu.addSeparator();
    menu.addAction(exportAction_);
    menu.addAction(exportModelAction_);
    menu.exec(view_->viewport()->mapToGlobal(pos));
}

}  // namespace sparq::ui
