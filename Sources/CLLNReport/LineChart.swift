/// One line of a ``LineChart``: `y[i]` against `x[i]` (extra elements of the longer array ignored).
public struct LineSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var dashed: Bool
    /// Any SVG colour; `nil` takes the palette colour of the series' position.
    public var color: String?

    public init(name: String, x: [Double], y: [Double], dashed: Bool = false, color: String? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.dashed = dashed
        self.color = color
    }
}

/// Lines against a shared x axis, optionally logarithmic on either axis.
///
/// Points that cannot be placed (NaN, ±∞, or ≤ 0 on a log axis) are skipped and break the line,
/// so a diverged run still renders. Reference lines are included in the axis ranges.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xLog = false
    public var yLog = false
    public var series: [LineSeries]
    public var horizontalLines: [ReferenceLine] = []
    public var verticalLines: [ReferenceLine] = []
    public var width = 760.0
    public var height = 440.0

    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func svg() -> String {
        let xAxis = Axis.covering(series.flatMap(\.x) + verticalLines.map(\.value), logarithmic: xLog)
        let yAxis = Axis.covering(series.flatMap(\.y) + horizontalLines.map(\.value), logarithmic: yLog)
        let hasLegend = series.contains { !$0.name.isEmpty }
        let area = PlotArea(canvasWidth: width, canvasHeight: height, hasLegend: hasLegend, xAxis: xAxis, yAxis: yAxis)
        var canvas = SVGCanvas(width: width, height: height)
        area.drawFrame(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
        for reference in horizontalLines { area.drawReference(reference, vertical: false, on: &canvas) }
        for reference in verticalLines { area.drawReference(reference, vertical: true, on: &canvas) }
        var legend: [Legend.Entry] = []
        for (index, line) in series.enumerated() {
            let color = line.color ?? ColorScale.categorical(index)
            for segment in Self.segments(of: line, in: area) {
                if segment.count == 1 {
                    canvas.circle(cx: segment[0].x, cy: segment[0].y, r: 1.5, fill: color)
                } else {
                    canvas.polyline(segment, stroke: color, width: 1.8, dashed: line.dashed)
                }
            }
            if !line.name.isEmpty {
                legend.append(.init(name: line.name, color: color, marker: .line(dashed: line.dashed)))
            }
        }
        Legend.draw(legend, beside: area, on: &canvas)
        return canvas.svg()
    }

    /// Runs of consecutive placeable points.
    private static func segments(of line: LineSeries, in area: PlotArea) -> [[SVGPoint]] {
        var segments: [[SVGPoint]] = []
        var current: [SVGPoint] = []
        for (x, y) in zip(line.x, line.y) {
            if let point = area.point(x, y) {
                current.append(point)
            } else if !current.isEmpty {
                segments.append(current)
                current = []
            }
        }
        if !current.isEmpty { segments.append(current) }
        return segments
    }
}
