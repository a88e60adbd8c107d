import Foundation

/// Counts of `values` in `bins` equal-width bins spanning their finite range (non-finite values
/// are ignored); `yLog` puts the counts on a log axis, where empty bins are not drawn.
public struct Histogram: Sendable {
    public var title: String
    public var xLabel: String
    public var values: [Double]
    public var bins: Int
    public var yLog = false
    public var color = ColorScale.categorical(0)
    public var width = 760.0
    public var height = 440.0

    public init(title: String, xLabel: String, values: [Double], bins: Int = 30) {
        self.title = title
        self.xLabel = xLabel
        self.values = values
        self.bins = bins
    }

    /// Bin edges (`bins + 1` values) and counts (`bins` values).
    public var counts: (edges: [Double], counts: [Int]) {
        let finite = values.filter(\.isFinite)
        let binCount = max(1, bins)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high <= low { (low, high) = (low - 0.5, high + 0.5) }
        let binWidth = (high - low) / Double(binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for value in finite {
            counts[min(binCount - 1, Int((value - low) / binWidth))] += 1
        }
        return ((0...binCount).map { low + Double($0) * binWidth }, counts)
    }

    public func svg() -> String {
        let (edges, counts) = self.counts
        let heights = counts.map(Double.init)
        let area = PlotArea(
            canvasWidth: width, canvasHeight: height, hasLegend: false,
            xAxis: .linear(covering: edges),
            yAxis: yLog ? .logarithmic(covering: heights) : .linear(covering: heights, includeZero: true))
        var canvas = SVGCanvas(width: width, height: height)
        area.drawFrame(on: &canvas, title: title, xLabel: xLabel, yLabel: "count")
        let baseline = yLog ? area.yAxis.lower : 0
        for (index, count) in heights.enumerated() {
            guard let x0 = area.x(edges[index]), let x1 = area.x(edges[index + 1]),
                  let top = area.y(count), let bottom = area.y(baseline), top < bottom
            else { continue }
            canvas.rect(x: x0, y: top, width: x1 - x0, height: bottom - top, fill: color, stroke: "#ffffff", strokeWidth: 0.5)
        }
        return canvas.svg()
    }
}
