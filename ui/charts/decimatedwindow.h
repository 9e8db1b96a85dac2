#pragma once
// A live chart's window of one series: at most `capacity` points, decimated by halving when
// full, and the points added since the chart last took them. Shared by ChartFeed and
// ProfileFeed; the caller holds whatever lock guards it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sparq::ui {

template <class P>
struct DecimatedWindow {
    std::vector<P> points;       // the decimated window (<= capacity)
    std::vector<P> pending;      // added since the last take()
    bool reset = false;          // what was drawn no longer matches: redraw `pending` whole
    std::int64_t stride = 1;     // keep one sample in `stride`
    std::int64_t skipped = 0;    // samples dropped since the last kept one

    void add(const P& p, std::size_t capacity) {
        if (skipped + 1 < stride) {
            ++skipped;
            return;
        }
        skipped = 0;
        if (points.size() >= capacity) {
            // Halve: keep every other point, and from now on keep one sample in twice as many.
            std::size_t kept = 0;
            for (std::size_t i = 0; i < points.size(); i += 2) points[kept++] = points[i];
            points.resize(kept);
            stride *= 2;
            pending = points;
            reset = true;
        }
        points.push_back(p);
        pending.push_back(p);
    }

    /// Empties the window; `redraw`: the chart drops what it drew on the next take().
    void clear(bool redraw) {
        points.clear();
        pending.clear();
        reset = redraw;
        stride = 1;
        skipped = 0;
    }
};

}  // namespace sparq::ui
