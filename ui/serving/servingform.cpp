#include "serving/servingform.h"

#include <algorithm>
#include <climits>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStringList>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "common/formfields.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

constexpr int kMaxLength = 4096;  // bytes of a prompt or an output (the engine's bound)
constexpr double kDefaultRate = 20.0;  // offered when Poisson arrivals are chosen first

// A choice and the value it qualifies, side by side on one form row.
QHBoxLayout* sideBySide(QWidget* choice, QWidget* value) {
    auto* row = new QHBoxLayout;
    row->addWidget(choice);
    row->addWidget(value, 1);
    return row;
}

QStringList policyNames() {
    QStringList names;
    for (const std::string& p : engine::serving_policies()) names << QString::fromStdString(p);
    return names;
}

QString listText(const std::vector<int>& values) {
    QStringList parts;
    for (int v : values) parts << QString::number(v);
    return parts.join(QStringLiteral(", "));
}

}  // namespace

ServingForm::ServingForm(QWidget* parent)
    : JobForm(tr("Serve tiny-lm under a batching policy"), QStringLiteral("servingFormError"), parent) {
    setObjectName(QStringLiteral("servingForm"));
    const engine::ServeBenchSpec defaults;
    const engine::WorkloadSpec& w = defaults.workload;
    const engine::BatchPolicySpec& b = defaults.batching;
    auto* layout = new QVBoxLayout(this);

    // Workload.
    auto* workload = new QFormLayout;
    workload->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addWidget(new QLabel(tr("<b>Workload</b>"), this));
    requests_ = makeSpin(this, QStringLiteral("servingRequests"), 1, 1000000, w.requests,
                         tr("Requests of the workload; every policy answers the same ones"));
    requests_->setGroupSeparatorShown(true);
    workload->addRow(tr("Requests:"), requests_);
    arrivals_ = new QComboBox(this);
    arrivals_->setObjectName(QStringLiteral("servingArrivals"));
    arrivals_->addItem(tr("closed loop"), QStringLiteral("closed"));
    arrivals_->addItem(tr("Poisson"), QStringLiteral("poisson"));
    arrivals_->setToolTip(tr("Closed loop: each client sends its next request when the last one is answered. "
                             "Poisson: requests arrive at random at the given rate, answered or not"));
    concurrency_ = makeSpin(this, QStringLiteral("servingConcurrency"), 1, 4096, w.concurrency,
                            tr("Closed loop: clients, each with one request in flight"));
    concurrency_->setSuffix(tr(" clients"));
    rate_ = makeDoubleSpin(this, QStringLiteral("servingRate"), 0.01, 100000.0, 2, 1.0, kDefaultRate,
                           tr("Poisson arrivals: requests per second"), true);
    rate_->setSuffix(tr(" req/s"));
    auto* arrivals = new QHBoxLayout;
    arrivals->addWidget(arrivals_);
    arrivals->addWidget(concurrency_, 1);
    arrivals->addWidget(rate_, 1);
    workload->addRow(tr("Arrivals:"), arrivals);
    seed_ = makeSpin(this, QStringLiteral("servingSeed"), 0, INT_MAX, int(w.seed),
                     tr("Seed of the request lengths, texts and arrival times"));
    workload->addRow(tr("Seed:"), seed_);
    layout->addLayout(workload);

    auto* lengths = new QGridLayout;
    const QString heads[] = {tr("bytes"), tr("distribution"), tr("median"), tr("σ"), tr("min"), tr("max")};
    for (int c = 0; c < 6; ++c) {
        auto* head = new QLabel(heads[c], this);
        head->setStyleSheet(QStringLiteral("color: gray;"));
        lengths->addWidget(head, 0, c);
    }
    prompt_ = makeLengthFields(QStringLiteral("Prompt"), w.prompt);
    output_ = makeLengthFields(QStringLiteral("Output"), w.output);
    int row = 1;
    for (const auto& [label, f] : {std::pair{tr("Prompt"), &prompt_}, std::pair{tr("Output"), &output_}}) {
        lengths->addWidget(new QLabel(label, this), row, 0);
        lengths->addWidget(f->kind, row, 1);
        lengths->addWidget(f->median, row, 2);
        lengths->addWidget(f->sigma, row, 3);
        lengths->addWidget(f->min, row, 4);
        lengths->addWidget(f->max, row, 5);
        ++row;
    }
    layout->addLayout(lengths);

    // Batching and attention.
    layout->addWidget(new QLabel(tr("<b>Batching</b>"), this));
    auto* batching = new QFormLayout;
    batching->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    policy_ = makeCombo(this, QStringLiteral("servingPolicy"), policyNames(), QString::fromStdString(b.policy),
                        tr("fifo: the longest waiting requests, at once. max-delay: Triton's dynamic batcher "
                           "(a preferred size, or the oldest request's delay). bucket: requests grouped by "
                           "expected output length. kmeans: grouped by clusters of prompt and output length. "
                           "continuous: requests join and leave the running batch at every step"));
    batching->addRow(tr("Policy:"), policy_);
    maxBatch_ = makeSpin(this, QStringLiteral("servingMaxBatch"), 1, 1024, b.max_batch,
                         tr("The most requests in one batch (every policy)"));
    batching->addRow(tr("Max batch:"), maxBatch_);
    preferred_ = new QLineEdit(listText(b.preferred_batch_sizes), this);
    preferred_->setObjectName(QStringLiteral("servingPreferredSizes"));
    preferred_->setToolTip(tr("max-delay: batch sizes sent as soon as the queue holds one (e.g. 8, 16)"));
    batching->addRow(tr("Preferred sizes:"), preferred_);
    maxDelay_ = makeSpin(this, QStringLiteral("servingMaxDelay"), 0, 60000000, b.max_queue_delay_us,
                         tr("max-delay, bucket, kmeans: the longest the oldest request waits for a fuller batch"));
    maxDelay_->setSuffix(tr(" µs"));
    maxDelay_->setSingleStep(1000);
    maxDelay_->setGroupSeparatorShown(true);
    batching->addRow(tr("Max queue delay:"), maxDelay_);
    edges_ = new QLineEdit(listText(b.bucket_edges), this);
    edges_->setObjectName(QStringLiteral("servingBucketEdges"));
    edges_->setToolTip(tr("bucket: edges of the expected output length, in bytes (e.g. 32, 64, 128)"));
    batching->addRow(tr("Bucket edges:"), edges_);
    clusters_ = makeSpin(this, QStringLiteral("servingClusters"), 1, 64, b.clusters,
                         tr("kmeans: clusters of (log prompt length, log output length)"));
    batching->addRow(tr("Clusters (k):"), clusters_);
    within_ = makeCombo(this, QStringLiteral("servingWithin"), {QStringLiteral("arrival"), QStringLiteral("nearest")},
                        QString::fromStdString(b.within),
                        tr("kmeans: a batch from the oldest request's cluster. arrival: the cluster's oldest "
                           "(a later request never passes an earlier one of its cluster). nearest: the most "
                           "alike to the oldest (the least padding; outliers wait longest)"));
    neighbours_ = makeSpin(this, QStringLiteral("servingNeighbourWindow"), 0, 1000000, b.neighbour_window,
                           tr("kmeans, nearest: only among the cluster's oldest this many (0: all of it)"));
    neighbours_->setSpecialValueText(tr("whole cluster"));
    batching->addRow(tr("Within cluster:"), sideBySide(within_, neighbours_));
    outputWeight_ = makeDoubleSpin(this, QStringLiteral("servingOutputWeight"), 0.1, 100.0, 2, 0.25, b.output_weight,
                                   tr("kmeans: weight of the output length against the prompt length when "
                                      "clustering (decode time follows the longest output)"));
    batching->addRow(tr("Output weight:"), outputWeight_);
    minWaitShare_ = makeDoubleSpin(this, QStringLiteral("servingMinWaitShare"), 0.0, 1.0, 2, 0.05, b.min_wait_share,
                                   tr("kmeans: a request joins a batch once it has waited this share of the oldest "
                                      "request's wait, so a busy cluster's younger requests do not keep passing "
                                      "the others (0: at once)"));
    batching->addRow(tr("Min wait share:"), minWaitShare_);
    prefillGroups_ = makeSpin(this, QStringLiteral("servingPrefillGroups"), 1, 64, b.prefill_groups,
                              tr("Every policy: a batch's prompts, sorted by length, run as at most this many "
                                 "padded prefills (the split with the fewest token slots); 1: one prefill"));
    batching->addRow(tr("Prefill groups:"), prefillGroups_);
    retire_ = new QCheckBox(tr("Finished rows leave a static batch"), this);
    retire_->setObjectName(QStringLiteral("servingRetire"));
    retire_->setChecked(b.retire_finished);
    retire_->setToolTip(tr("Static batches: a row whose output is done leaves the batch between decode steps; "
                           "off: every row runs until the batch's longest output is done"));
    batching->addRow(QString(), retire_);
    attention_ = makeCombo(this, QStringLiteral("servingAttention"),
                           {QStringLiteral("full"), QStringLiteral("segmented")}, QString::fromStdString(defaults.attention),
                           tr("full: every token sees all before it. segmented: each sees the last `window` "
                              "positions, so the KV cache stops growing past the window"));
    window_ = makeSpin(this, QStringLiteral("servingWindow"), 2, 65536, defaults.window,
                       tr("segmented attention: positions each token sees"));
    window_->setPrefix(tr("window "));
    batching->addRow(tr("Attention:"), sideBySide(attention_, window_));
    layout->addLayout(batching);
    layout->addWidget(errorLabel());

    for (QComboBox* combo : {arrivals_, policy_, within_, attention_, prompt_.kind, output_.kind})
        connect(combo, &QComboBox::currentIndexChanged, this, &ServingForm::revalidate);
    for (QSpinBox* spin : {requests_, concurrency_, seed_, maxBatch_, maxDelay_, clusters_, neighbours_, prefillGroups_,
                           window_, prompt_.min, prompt_.max, output_.min, output_.max})
        connect(spin, &QSpinBox::valueChanged, this, &ServingForm::revalidate);
    connect(retire_, &QCheckBox::toggled, this, &ServingForm::revalidate);
    for (QDoubleSpinBox* spin : {rate_, outputWeight_, minWaitShare_, prompt_.median, prompt_.sigma, output_.median, output_.sigma})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &ServingForm::revalidate);
    for (QLineEdit* edit : {preferred_, edges_}) connect(edit, &QLineEdit::textChanged, this, &ServingForm::revalidate);
    revalidate();
}

ServingForm::LengthFields ServingForm::makeLengthFields(const QString& name, const engine::LengthDistribution& d) {
    LengthFields f;
    f.kind = makeCombo(this, QStringLiteral("serving%1Kind").arg(name),
                       {QStringLiteral("fixed"), QStringLiteral("uniform"), QStringLiteral("lognormal"),
                        QStringLiteral("pareto")},
                       QString::fromStdString(d.kind),
                       tr("fixed: the median. uniform: any length in [min, max]. lognormal: around the median, "
                          "spread σ. pareto: a long tail from min (the scale), shape σ. Always within [min, max]"));
    f.median = makeDoubleSpin(this, QStringLiteral("serving%1Median").arg(name), 1.0, kMaxLength, 1, 1.0, d.median,
                              tr("Median length in bytes (fixed, lognormal)"), true);
    f.sigma = makeDoubleSpin(this, QStringLiteral("serving%1Sigma").arg(name), 0.0, 10.0, 2, 0.1, d.sigma,
                             tr("lognormal: spread of the log length; pareto: the tail's shape (smaller is longer)"));
    f.min = makeSpin(this, QStringLiteral("serving%1Min").arg(name), 1, kMaxLength, d.min,
                     tr("Shortest length in bytes (pareto: the scale)"));
    f.max = makeSpin(this, QStringLiteral("serving%1Max").arg(name), 1, kMaxLength, d.max,
                     tr("Longest length in bytes"));
    return f;
}

void ServingForm::setLengthFields(const LengthFields& f, const engine::LengthDistribution& d) {
    f.kind->setCurrentIndex(std::max(0, f.kind->findText(QString::fromStdString(d.kind))));
    f.median->setValue(d.median);
    f.sigma->setValue(d.sigma);
    f.min->setValue(d.min);
    f.max->setValue(d.max);
}

engine::LengthDistribution ServingForm::lengthsOf(const LengthFields& f) {
    engine::LengthDistribution d;
    d.kind = f.kind->currentText().toStdString();
    d.median = f.median->value();
    d.sigma = f.sigma->value();
    d.min = f.min->value();
    d.max = f.max->value();
    return d;
}

std::optional<std::vector<int>> ServingForm::parseIntList(const QString& text) {
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    std::vector<int> values;
    for (const QString& part : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = part.toInt(&ok);
        if (!ok) return std::nullopt;
        values.push_back(v);
    }
    return values;
}

engine::ServeBenchSpec ServingForm::spec() const {
    engine::ServeBenchSpec s = base_;
    s.compare.clear();
    engine::WorkloadSpec& w = s.workload;
    w.requests = requests_->value();
    const bool poisson = arrivals_->currentData().toString() == QLatin1String("poisson");
    w.rate = poisson ? rate_->value() : 0.0;
    w.concurrency = concurrency_->value();
    w.seed = std::uint64_t(seed_->value());
    w.prompt = lengthsOf(prompt_);
    w.output = lengthsOf(output_);
    engine::BatchPolicySpec& b = s.batching;
    b.policy = policy_->currentText().toStdString();
    b.max_batch = maxBatch_->value();
    if (auto sizes = parseIntList(preferred_->text())) b.preferred_batch_sizes = *sizes;
    b.max_queue_delay_us = maxDelay_->value();
    if (auto edges = parseIntList(edges_->text())) b.bucket_edges = *edges;
    b.clusters = clusters_->value();
    b.within = within_->currentText().toStdString();
    b.neighbour_window = neighbours_->value();
    b.output_weight = outputWeight_->value();
    b.min_wait_share = minWaitShare_->value();
    b.prefill_groups = prefillGroups_->value();
    b.retire_finished = retire_->isChecked();
    s.attention = attention_->currentText().toStdString();
    s.window = window_->value();
    return s;
}

void ServingForm::setSpec(const engine::ServeBenchSpec& spec) {
    filling_ = true;
    base_ = spec;
    const engine::WorkloadSpec& w = spec.workload;
    requests_->setValue(w.requests);
    arrivals_->setCurrentIndex(arrivals_->findData(w.rate > 0 ? QStringLiteral("poisson") : QStringLiteral("closed")));
    if (w.rate > 0) rate_->setValue(w.rate);
    concurrency_->setValue(w.concurrency);
    seed_->setValue(int(std::min<std::uint64_t>(w.seed, INT_MAX)));
    setLengthFields(prompt_, w.prompt);
    setLengthFields(output_, w.output);
    const engine::BatchPolicySpec& b = spec.batching;
    policy_->setCurrentIndex(std::max(0, policy_->findText(QString::fromStdString(b.policy))));
    maxBatch_->setValue(b.max_batch);
    preferred_->setText(listText(b.preferred_batch_sizes));
    maxDelay_->setValue(b.max_queue_delay_us);
    edges_->setText(listText(b.bucket_edges));
    clusters_->setValue(b.clusters);
    within_->setCurrentIndex(std::max(0, within_->findText(QString::fromStdString(b.within))));
    neighbours_->setValue(b.neighbour_window);
    outputWeight_->setValue(b.output_weight);
    minWaitShare_->setValue(b.min_wait_share);
    prefillGroups_->setValue(b.prefill_groups);
    retire_->setChecked(b.retire_finished);
    attention_->setCurrentIndex(std::max(0, attention_->findText(QString::fromStdString(spec.attention))));
    window_->setValue(spec.window);
    filling_ = false;
    revalidate();
}

void ServingForm::setEditable(bool editable) {
    editable_ = editable;
    updateEnabled();
}

void ServingForm::updateEnabled() {
    for (QWidget* w : std::initializer_list<QWidget*>{requests_, arrivals_, seed_, policy_, maxBatch_, preferred_,
                                                      maxDelay_, edges_, clusters_, within_, neighbours_,
                                                      outputWeight_, minWaitShare_, prefillGroups_, retire_, attention_})
        w->setEnabled(editable_);
    const bool poisson = arrivals_->currentData().toString() == QLatin1String("poisson");
    concurrency_->setVisible(!poisson);
    rate_->setVisible(poisson);
    concurrency_->setEnabled(editable_);
    rate_->setEnabled(editable_);
    window_->setEnabled(editable_ && attention_->currentText() == QLatin1String("segmented"));
    // Each distribution reads only some of its fields (all of them clamp to [min, max]).
    for (const LengthFields* f : {&prompt_, &output_}) {
        const QString kind = f->kind->currentText();
        f->kind->setEnabled(editable_);
        f->median->setEnabled(editable_ && (kind == QLatin1String("fixed") || kind == QLatin1String("lognormal")));
        f->sigma->setEnabled(editable_ && (kind == QLatin1String("lognormal") || kind == QLatin1String("pareto")));
        f->min->setEnabled(editable_);
        f->max->setEnabled(editable_);
    }
}

QString ServingForm::stallReason(const engine::ServeBenchSpec& spec, const std::string& policy) {
    const engine::WorkloadSpec& w = spec.workload;
    const int maxBatch = spec.batching.max_batch;
    if (policy != "fifo" || w.rate > 0 || w.concurrency >= maxBatch || w.requests <= w.concurrency) return {};
    return tr("fifo sends only full batches of %1 (max batch), but %2 closed-loop clients never have more than %2 "
              "requests waiting: it would wait forever. Lower max batch to at most %2, add clients, or use Poisson "
              "arrivals")
        .arg(maxBatch)
        .arg(w.concurrency);
}

void ServingForm::revalidate() {
    if (filling_) return;
    updateEnabled();
    const std::pair<QLineEdit*, QString> lists[] = {{preferred_, tr("Preferred sizes")}, {edges_, tr("Bucket edges")}};
    for (const auto& [edit, name] : lists) {
        if (!parseIntList(edit->text())) {
            setError(tr("%1: “%2” is not a list of whole numbers (e.g. 8, 16)").arg(name, edit->text()));
            return;
        }
    }
    const engine::ServeBenchSpec s = spec();
    const QString error = Workbench::validationError(s);
    setError(error.isEmpty() ? stallReason(s, s.batching.policy) : error);
}

}  // namespace sparq::ui
