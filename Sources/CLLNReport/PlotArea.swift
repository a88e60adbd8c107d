/// The rectangle in which a chart's data are drawn, with its two axes: maps data to canvas
/// coordinates and draws the frame, grid, ticks, axis labels, title and legend shared by all charts.
struct PlotArea {
    let left: Double
    let top: Double
    let width: Double
    let height: Double
    let xAxis: Axis
    let yAxis: Axis

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// Standard chart geometry: a canvas of `canvasWidth` × `canvasHeight` with room for the
    /// title, tick labels, axis labels and (when `hasLegend`) a legend column on the right.
    init(canvasWidth: Double, canvasHeight: Double, hasLegend: Bool, xAxis: Axis, yAxis: Axis) {
        left = 78
        top = 44
        width = canvasWidth - left - (hasLegend ? Legend.columnWidth + 28 : 24)
        height = canvasHeight - top - 58
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    func x(_ value: Double) -> Double? { xAxis.fraction(value).map { left + $0 * width } }
    func y(_ value: Double) -> Double? { yAxis.fraction(value).map { bottom - $0 * height } }

    /// Canvas point of a data point, or `nil` if either coordinate cannot be placed.
    func point(_ xValue: Double, _ yValue: Double) -> SVGPoint? {
        guard let px = x(xValue), let py = y(yValue) else { return nil }
        return SVGPoint(x: px, y: py)
    }

    /// Grid lines, ticks with labels, the frame, title and axis labels.
    func drawFrame(on canvas: inout SVGCanvas, title: String, xLabel: String, yLabel: String) {
        for tick in xAxis.ticks {
            guard let px = x(tick.value) else { continue }
            if tick.isMajor, xAxis.drawsGrid {
                canvas.line(x1: px, y1: top, x2: px, y2: bottom, stroke: "#e6e6e6", width: 1)
            }
            canvas.line(x1: px, y1: bottom, x2: px, y2: bottom + (tick.isMajor ? 5 : 3), stroke: "#444444")
            if !tick.label.isEmpty {
                canvas.text(x: px, y: bottom + 19, tick.label, size: 11, anchor: .middle, color: "#444444")
            }
        }
        for tick in yAxis.ticks {
            guard let py = y(tick.value) else { continue }
            if tick.isMajor, yAxis.drawsGrid {
                canvas.line(x1: left, y1: py, x2: right, y2: py, stroke: "#e6e6e6", width: 1)
            }
            canvas.line(x1: left - (tick.isMajor ? 5 : 3), y1: py, x2: left, y2: py, stroke: "#444444")
            if !tick.label.isEmpty {
                canvas.text(x: left - 8, y: py + 4, tick.label, size: 11, anchor: .end, color: "#444444")
            }
        }
        canvas.rect(x: left, y: top, width: width, height: height, stroke: "#444444")
        canvas.text(x: left + width / 2, y: 26, title, size: 15, anchor: .middle, bold: true)
        canvas.text(x: left + width / 2, y: bottom + 42, xLabel, size: 13, anchor: .middle)
        canvas.text(x: 20, y: top + height / 2, yLabel, size: 13, anchor: .middle, rotation: -90)
    }

    /// A horizontal or vertical dashed reference line with its label, if its value can be placed.
    func drawReference(_ reference: ReferenceLine, vertical: Bool, on canvas: inout SVGCanvas) {
        let color = "#555555"
        if vertical, let px = x(reference.value) {
            canvas.line(x1: px, y1: top, x2: px, y2: bottom, stroke: color, width: 1.2, dashed: reference.dashed)
            canvas.text(x: px + 4, y: top + 14, reference.label, size: 11, color: color)
        } else if !vertical, let py = y(reference.value) {
            canvas.line(x1: left, y1: py, x2: right, y2: py, stroke: color, width: 1.2, dashed: reference.dashed)
            canvas.text(x: right - 4, y: py - 5, reference.label, size: 11, anchor: .end, color: color)
        }
    }
}

/// A horizontal or vertical annotation line (a target value, "damage at step 50,000").
public struct ReferenceLine: Sendable {
    public var value: Double
    public var label: String
    public var dashed: Bool

    public init(value: Double, label: String, dashed: Bool = true) {
        self.value = value
        self.label = label
        self.dashed = dashed
    }
}

/// The legend column drawn to the right of the plot area.
enum Legend {
    enum Marker {
        case line(dashed: Bool), dot, box
    }

    struct Entry {
        let name: String
        let color: String
        let marker: Marker
    }

    static let columnWidth = 150.0

    static func draw(_ entries: [Entry], beside area: PlotArea, on canvas: inout SVGCanvas) {
        let x = area.right + 14
        for (index, entry) in entries.enumerated() {
            let y = area.top + 10 + Double(index) * 18
            switch entry.marker {
            case .line(let dashed):
                canvas.line(x1: x, y1: y, x2: x + 22, y2: y, stroke: entry.color, width: 2.2, dashed: dashed)
            case .dot:
                canvas.circle(cx: x + 11, cy: y, r: 4, fill: entry.color)
            case .box:
                canvas.rect(x: x + 5, y: y - 6, width: 12, height: 12, fill: entry.color)
            }
            canvas.text(x: x + 28, y: y + 4, truncated(entry.name), size: 11)
        }
    }

    /// Names longer than the column are cut with an ellipsis.
    private static func truncated(_ name: String) -> String {
        name.count <= 20 ? name : String(name.prefix(19)) + "…"
    }
}
