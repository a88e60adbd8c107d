/// One point set of a ``ScatterChart``.
public struct ScatterSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// Any SVG colour; `nil` takes the palette colour of the series' position.
    public var color: String?

    public init(name: String, x: [Double], y: [Double], color: String? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
    }
}

/// Points in the plane, e.g. predicted against true; `diagonal` adds the line y = x.
/// Non-finite points are skipped.
public struct ScatterChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ScatterSeries] = []
    /// Draw y = x across the range both axes share.
    public var diagonal = false
    public var width = 760.0
    public var height = 480.0

    public init(title: String, xLabel: String, yLabel: String, series: [ScatterSeries] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func svg() -> String {
        let xs = series.flatMap(\.x), ys = series.flatMap(\.y)
        let hasLegend = series.contains { !$0.name.isEmpty }
        let area = PlotArea(
            canvasWidth: width, canvasHeight: height, hasLegend: hasLegend,
            xAxis: .linear(covering: diagonal ? xs + ys : xs), yAxis: .linear(covering: diagonal ? xs + ys : ys))
        var canvas = SVGCanvas(width: width, height: height)
        area.drawFrame(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
        if diagonal {
            let low = max(area.xAxis.lower, area.yAxis.lower), high = min(area.xAxis.upper, area.yAxis.upper)
            if let start = area.point(low, low), let end = area.point(high, high) {
                canvas.line(x1: start.x, y1: start.y, x2: end.x, y2: end.y, stroke: "#888888", width: 1.2, dashed: true)
            }
        }
        var legend: [Legend.Entry] = []
        for (index, set) in series.enumerated() {
            let color = set.color ?? ColorScale.categorical(index)
            for (x, y) in zip(set.x, set.y) {
                if let point = area.point(x, y) {
                    canvas.circle(cx: point.x, cy: point.y, r: 3, fill: color)
                }
            }
            if !set.name.isEmpty { legend.append(.init(name: set.name, color: color, marker: .dot)) }
        }
        Legend.draw(legend, beside: area, on: &canvas)
        return canvas.svg()
    }
}
