#include "historypage.h"

#include <exception>

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include "jobbridge.h"
#include "jobhistory.h"
#include "runchartsdialog.h"
#include "runtablemodel.h"
#include "workbench.h"

namespace sparq::ui {

HistoryPage::HistoryPage(Workbench* workbench, QWidget* parent)
    : QWidget(parent), workbench_(workbench) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>History</h2>"), this));

    auto* bar = new QHBoxLayout;
    filter_ = new QLineEdit(this);
    filter_->setObjectName(QStringLiteral("historyFilter"));
    filter_->setPlaceholderText(tr("Filter runs (name, preset, status, …)"));
    filter_->setClearButtonEnabled(true);
    bar->addWidget(filter_, 1);
    auto* reload = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), this);
    reload->setToolTip(tr("Reload the history (F5)"));
    bar->addWidget(reload);
    layout->addLayout(bar);

    model_ = new RunTableModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(RunTableModel::SortRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("historyTable"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setAlternatingRowColors(true);
    view_->setWordWrap(false);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->horizontalHeader()->setSectionResizeMode(RunTableModel::Name, QHeaderView::Stretch);
    view_->horizontalHeader()->setSectionResizeMode(RunTableModel::Started, QHeaderView::ResizeToContents);
    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    layout->addWidget(view_, 1);

    status_ = new QLabel(tr("Loading…"), this);
    status_->setObjectName(QStringLiteral("historyStatus"));
    layout->addWidget(status_);

    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    connect(reload, &QPushButton::clicked, this, &HistoryPage::refresh);
    connect(view_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        openCharts(proxy_->mapToSource(index).row());
    });
    connect(view_, &QTableView::customContextMenuRequested, this, &HistoryPage::showContextMenu);

    connect(workbench_, &Workbench::runningChanged, this, &HistoryPage::refresh);
    for (JobBridge* bridge : {workbench_->bridge(), workbench_->quantizeBridge()})
        connect(bridge, &JobBridge::finished, this, [this](const engine::TrainResult& r) {
            awaitedRun_ = r.run_id;
            awaitRetries_ = 0;
            refresh();
        });
    // While a job runs, keep its row (status, duration) current when the page is in view.
    connect(workbench_->bridge(), &JobBridge::epoch, this, [this] {
        if (isVisible()) refresh();
    });

    refresh();
}

void HistoryPage::refresh() {
    status_->setText(tr("Loading…"));
    const std::string path = workbench_->dbPath();
    tracker_.startJob(
        [path]() {
            Snapshot out;
            try {
                profiler::RunReader reader(path);
                out.runs = reader.list_runs();
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Snapshot snapshot) { apply(std::move(snapshot)); });
}

void HistoryPage::apply(Snapshot snapshot) {
    ++loads_;
    if (!snapshot.error.isEmpty()) {
        status_->setText(historyErrorHtml(snapshot.error));
        emit refreshed();
        return;
    }
    const int selected = selectedRow();
    const profiler::RunId keep = selected >= 0 ? model_->runAt(selected)->id : 0;

    model_->setRuns(std::move(snapshot.runs));

    if (keep) {
        const int row = model_->rowOf(keep);
        if (row >= 0)
            view_->selectionModel()->select(proxy_->mapFromSource(model_->index(row, 0)),
                                            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    const int n = model_->rowCount();
    status_->setText((n == 1 ? tr("1 run") : tr("%1 runs").arg(n)) +
                     tr(" in %1 · loaded %2").arg(QString::fromStdString(workbench_->dbPath()),
                              QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));

    // The store commits a run's end on its writer thread; if this snapshot came too early,
    // look again shortly.
    if (awaitedRun_) {
        const int row = model_->rowOf(awaitedRun_);
        const auto* run = model_->runAt(row);
        if (run && (run->status == "running" || run->status == "queued") && awaitRetries_ < 10) {
            ++awaitRetries_;
            QTimer::singleShot(300, this, &HistoryPage::refresh);
        } else {
            awaitedRun_ = 0;
        }
    }
    emit refreshed();
}

int HistoryPage::selectedRow() const {
    const QModelIndexList rows = view_->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : proxy_->mapToSource(rows.first()).row();
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
    const profiler::RunRecord* run = model_->runAt(proxy_->mapToSource(index).row());
    if (!run) return;
    const profiler::RunId id = run->id;

    QMenu menu(this);
    QAction* charts = menu.addAction(tr("Open charts"));
    QAction* relaunch = menu.addAction(tr("Open in launcher"));
    QAction* chosen = menu.exec(view_->viewport()->mapToGlobal(pos));
    // A refresh may have replaced the rows while the menu was open: look the run up again.
    const int row = model_->rowOf(id);
    if (!chosen || row < 0) return;
    if (chosen == charts) {
        openCharts(row);
    } else if (chosen == relaunch) {
        const profiler::RunRecord* again = model_->runAt(row);
        try {
            const engine::TrainSpec spec = engine::train_spec_from_json(
                again->config_json, "run " + std::to_string(again->id));
            emit launchWithSettings(spec, tr("settings of run %1").arg(again->id));
        } catch (const std::exception& e) {
            QMessageBox::warning(this, tr("Sparq"),
                                 tr("The settings of run %1 cannot be used: %2")
                                     .arg(again->id)
                                     .arg(QString::fromUtf8(e.what())));
        }
    }
}

}  // namespace sparq::ui
