import CLLNReport
import CLLNRuns
import Foundation

/// One plotted dimension of a sweep: its cells (distinct values, or up to six bins of a
/// numeric parameter with more than eight values, log-spaced when it spans a decade or more).
struct SweepPlotAxis {
    var name: String
    var labels: [String]
    /// x positions of the cells in a line chart (values, bin centres, or indices).
    var positions: [Double]
    var logarithmic: Bool
    /// Whether the cells are bins (a random or Latin-hypercube parameter) rather than values.
    var binned: Bool
    /// The cell of a row.
    var cell: (SweepRow) -> Int?

    static let maximumDistinct = 8
    static let bins = 6

    init(_ name: String, rows: [SweepRow]) {
        self.name = name
        func value(_ row: SweepRow) -> SweepValue? { name == "base" ? .string(row.base) : row.parameters[name] }
        let distinct = Array(Set(rows.compactMap(value))).sorted()
        let numbers = distinct.compactMap(\.number)
        let numeric = numbers.count == distinct.count && !numbers.isEmpty
        logarithmic = numeric && numbers.min()! > 0 && numbers.max()! / numbers.min()! >= 10
        binned = numeric && distinct.count > Self.maximumDistinct
        if binned {
            let log = logarithmic
            func t(_ x: Double) -> Double { log ? Foundation.log(x) : x }
            func inverse(_ y: Double) -> Double { log ? Foundation.exp(y) : y }
            let (low, high) = (t(numbers.min()!), t(numbers.max()!))
            let width = (high - low) / Double(Self.bins)
            let edges = (0...Self.bins).map { inverse(low + Double($0) * width) }
            labels = (0..<Self.bins).map { String(format: "%.3g–%.3g", edges[$0], edges[$0 + 1]) }
            positions = (0..<Self.bins).map { inverse(low + (Double($0) + 0.5) * width) }
            cell = { row in value(row)?.number.map { min(Self.bins - 1, max(0, Int((t($0) - low) / width))) } }
        } else {
            labels = distinct.map(\.description)
            positions = numeric ? numbers : distinct.indices.map(Double.init)
            cell = { row in value(row).flatMap { distinct.firstIndex(of: $0) } }
        }
    }
}

extension SweepCollection {
    /// The plots (name, SVG): for each varied dimension, each rate (with its 95% interval,
    /// dashed) or metric against it, one line per value of a second (unbinned) dimension if any;
    /// and a heat map for each pair of dimensions. Cells pool the trials of every seed and of
    /// the dimensions not shown.
    func plots() -> [(name: String, svg: String)] {
        let axes = dimensions.map { SweepPlotAxis($0, rows: pooled) }.filter { $0.labels.count > 1 }
        var plots: [(String, String)] = []
        func pooledMetric(_ rows: [SweepRow], _ metric: (SweepRow) -> Double?) -> Double {
            rows.isEmpty ? .nan : metric(SweepRow(pooling: rows)) ?? .nan
        }
        for metric in metrics {
            // Skip a metric no point reports (regression has no "solved").
            guard pooled.contains(where: { metric.metric($0) != nil }) else { continue }
            for x in axes {
                // Lines per value of a second dimension with values (bins would leave sparse lines).
                let series = axes.filter { $0.name != x.name && !$0.binned }.min { $0.labels.count < $1.labels.count }
                var chart = LineChart(
                    title: "\(name): \(metric.title)", xLabel: x.name,
                    yLabel: metric.rate ? "rate (95% interval dashed)" : "metric")
                chart.xLog = x.logarithmic
                for j in 0..<(series?.labels.count ?? 1) {
                    let rows = pooled.filter { row in series.map { $0.cell(row) == j } ?? true }
                    let cells = x.labels.indices.map { i in rows.filter { x.cell($0) == i } }
                    let color = ColorScale.categorical(j)
                    let label = series.map { "\($0.name) \($0.labels[j])" } ?? ""
                    chart.series.append(LineSeries(name: label, x: x.positions, y: cells.map { pooledMetric($0, metric.metric) }, color: color))
                    if metric.rate {
                        let rates = cells.map { $0.isEmpty ? nil : metric.value(SweepRow(pooling: $0)) }
                        chart.series.append(LineSeries(name: "", x: x.positions, y: rates.map { $0?.low ?? .nan }, dashed: true, color: color))
                        chart.series.append(LineSeries(name: "", x: x.positions, y: rates.map { $0?.high ?? .nan }, dashed: true, color: color))
                    }
                }
                plots.append(("\(metric.stem)-vs-\(x.name)", chart.svg()))
            }
            for (i, a) in axes.enumerated() {
                for b in axes[(i + 1)...] {
                    let values = a.labels.indices.map { r in
                        b.labels.indices.map { c in pooledMetric(pooled.filter { a.cell($0) == r && b.cell($0) == c }, metric.metric) }
                    }
                    var map = Heatmap(title: "\(name): \(metric.title)", rowLabels: a.labels, columnLabels: b.labels, values: values)
                    (map.yLabel, map.xLabel) = (a.name, b.name)
                    plots.append(("\(metric.stem)-\(a.name)-\(b.name)", map.svg()))
                }
            }
        }
        return plots
    }
}
