#pragma once
// ServingForm: the fields of a serving benchmark: the workload (requests, closed-loop clients
// or a Poisson rate, seed, the prompt and output length distributions) and the batching
// (policy, max batch, preferred batch sizes, max queue delay, bucket edges, k-means clusters),
// the attention mode and its window. Every change is checked by the engine's own validate()
// (through Workbench::validationError) and its message shown under the fields; a list field
// that is not a list of whole numbers is named there too, and so is a policy that would never
// send a batch (stallReason()): a benchmark cannot be stopped, so it must not start. What the form does not show (the
// model and its training, the model cache, routing) comes from the spec given to setSpec().
#include <optional>
#include <vector>

#include <QString>

#include "common/jobform.h"
#include "sparq/engine/serving.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace sparq::ui {

class ServingForm : public JobForm {
    Q_OBJECT
public:
    /// The fields of one length distribution.
    struct LengthFields {
        QComboBox* kind = nullptr;
        QDoubleSpinBox* median = nullptr;
        QDoubleSpinBox* sigma = nullptr;
        QSpinBox* min = nullptr;
        QSpinBox* max = nullptr;
    };

    explicit ServingForm(QWidget* parent = nullptr);

    /// The benchmark the fields describe: one policy, the one chosen (compare left empty).
    engine::ServeBenchSpec spec() const;
    /// Fills the fields from `spec` and keeps its other settings (model, cache folder, routing).
    void setSpec(const engine::ServeBenchSpec& spec);
    void setEditable(bool editable) override;

    /// "8, 16" or "8 16" as numbers; nullopt when a part is not a whole number.
    static std::optional<std::vector<int>> parseIntList(const QString& text);
    /// Why `policy` would wait forever on `spec`'s workload, or an empty string. fifo sends only
    /// full batches until every request has been sent, and closed-loop clients never have more
    /// requests waiting than there are clients.
    static QString stallReason(const engine::ServeBenchSpec& spec, const std::string& policy);

    QSpinBox* requestsSpin() const { return requests_; }
    QComboBox* arrivalsCombo() const { return arrivals_; }
    QSpinBox* concurrencySpin() const { return concurrency_; }
    QDoubleSpinBox* rateSpin() const { return rate_; }
    QSpinBox* seedSpin() const { return seed_; }
    const LengthFields& promptFields() const { return prompt_; }
    const LengthFields& outputFields() const { return output_; }
    QComboBox* policyCombo() const { return policy_; }
    QSpinBox* maxBatchSpin() const { return maxBatch_; }
    QLineEdit* preferredSizesEdit() const { return preferred_; }
    QSpinBox* maxDelaySpin() const { return maxDelay_; }
    QLineEdit* bucketEdgesEdit() const { return edges_; }
    QSpinBox* clustersSpin() const { return clusters_; }
    QComboBox* withinCombo() const { return within_; }
    QSpinBox* neighbourWindowSpin() const { return neighbours_; }
    QDoubleSpinBox* outputWeightSpin() const { return outputWeight_; }
    QDoubleSpinBox* minWaitShareSpin() const { return minWaitShare_; }
    QSpinBox* prefillGroupsSpin() const { return prefillGroups_; }
    QCheckBox* retireCheck() const { return retire_; }
    QComboBox* attentionCombo() const { return attention_; }
    QSpinBox* windowSpin() const { return window_; }

private:
    LengthFields makeLengthFields(const QString& name, const engine::LengthDistribution& d);
    void setLengthFields(const LengthFields& f, const engine::LengthDistribution& d);
    static engine::LengthDistribution lengthsOf(const LengthFields& f);
    void revalidate();
    void updateEnabled();

    engine::ServeBenchSpec base_;
    QSpinBox* requests_ = nullptr;
    QComboBox* arrivals_ = nullptr;
    QSpinBox* concurrency_ = nullptr;
    QDoubleSpinBox* rate_ = nullptr;
    QSpinBox* seed_ = nullptr;
    LengthFields prompt_;
    LengthFields output_;
    QComboBox* policy_ = nullptr;
    QSpinBox* maxBatch_ = nullptr;
    QLineEdit* preferred_ = nullptr;
    QSpinBox* maxDelay_ = nullptr;
    QLineEdit* edges_ = nullptr;
    QSpinBox* clusters_ = nullptr;
    QComboBox* within_ = nullptr;
    QSpinBox* neighbours_ = nullptr;
    QDoubleSpinBox* outputWeight_ = nullptr;
    QDoubleSpinBox* minWaitShare_ = nullptr;
    QSpinBox* prefillGroups_ = nullptr;
    QCheckBox* retire_ = nullptr;
    QComboBox* attention_ = nullptr;
    QSpinBox* window_ = nullptr;
    bool editable_ = true;
    bool filling_ = false;  // setSpec() is setting the fields: check once, at the end
};

}  // namespace sparq::ui
