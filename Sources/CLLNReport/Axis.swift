import Foundation

/// A numeric axis: its domain, linear or logarithmic mapping, and labelled ticks.
struct Axis {
    struct Tick {
        let value: Double
        let label: String
        /// Minor ticks (log sub-decades) get a short mark and no label.
        let isMajor: Bool
    }

    let lower: Double
    let upper: Double
    let isLogarithmic: Bool
    let ticks: [Tick]
    /// Whether grid lines are drawn at the major ticks (off for categorical axes).
    var drawsGrid = true

    /// A nice-number axis covering the finite `values` (positive ones only if `logarithmic`),
    /// extended to include 0 if `includeZero`. Empty or degenerate data get a unit-width domain.
    static func covering(_ values: [Double], logarithmic: Bool, includeZero: Bool = false) -> Axis {
        logarithmic ? .logarithmic(covering: values) : .linear(covering: values, includeZero: includeZero)
    }

    /// Linear axis with about `targetTicks` ticks on a 1-2-5 step (Heckbert's nice numbers).
    static func linear(covering values: [Double], includeZero: Bool = false, targetTicks: Int = 6) -> Axis {
        var finite = values.filter(\.isFinite)
        if includeZero { finite.append(0) }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low <= Swift.max(abs(high), abs(low)) * 1e-12 {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let step = niceNumber((high - low) / Double(targetTicks - 1), round: true)
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        let count = Int(((last - first) / step).rounded())
        let ticks = (0...count).map { index -> Tick in
            var value = first + Double(index) * step
            if abs(value) < step * 1e-9 { value = 0 }
            return Tick(value: value, label: linearLabel(value, step: step), isMajor: true)
        }
        return Axis(lower: first, upper: last, isLogarithmic: false, ticks: ticks)
    }

    /// Logarithmic axis on whole decades, labelled at every decade (or every k-th when there are
    /// many), with unlabelled 2…9 minor ticks when few decades are shown.
    static func logarithmic(covering values: [Double]) -> Axis {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        var low = (log10(positive.min() ?? 1)).rounded(.down)
        var high = (log10(positive.max() ?? 10)).rounded(.up)
        if high <= low { (low, high) = (low, low + 1) }
        let decades = Int(high - low)
        let labelEvery = Swift.max(1, Int((Double(decades) / 8).rounded(.up)))
        var ticks: [Tick] = []
        for decade in 0...decades {
            let exponent = Int(low) + decade
            let base = pow(10, Double(exponent))
            if decade % labelEvery == 0 {
                ticks.append(Tick(value: base, label: logLabel(exponent), isMajor: true))
            }
            if decades <= 5, decade < decades {
                ticks += (2...9).map { Tick(value: Double($0) * base, label: "", isMajor: false) }
            }
        }
        return Axis(lower: pow(10, low), upper: pow(10, high), isLogarithmic: true, ticks: ticks)
    }

    /// Position of `value` as a fraction of the axis (0 at `lower`, 1 at `upper`), or `nil` if the
    /// value cannot be placed (non-finite, or not positive on a log axis).
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        if isLogarithmic {
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return (value - lower) / (upper - lower)
    }

    private static func niceNumber(_ x: Double, round: Bool) -> Double {
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    private static func linearLabel(_ value: Double, step: Double) -> String {
        let magnitude = Swift.max(abs(value), step)
        if magnitude >= 1e6 || magnitude < 1e-4 {
            return String(format: "%.3g", value)
        }
        // Steps are 1, 2 or 5 × 10^e: e < 0 needs exactly -e decimals.
        let decimals = Swift.max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        return String(format: "%.\(decimals)f", value)
    }

    private static func logLabel(_ exponent: Int) -> String {
        switch exponent {
        case 0...5: return String(Int(pow(10, Double(exponent))))
        case -4..<0: return String(format: "%.\(-exponent)f", pow(10, Double(exponent)))
        default: return "1e\(exponent)"
        }
    }
}
