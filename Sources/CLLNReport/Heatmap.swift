import Foundation

/// A matrix of coloured cells (viridis from the smallest to the largest finite value) with each
/// value printed in its cell — confusion matrices, parameter maps. Non-finite cells are grey.
public struct Heatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; missing entries are drawn as non-finite.
    public var values: [[Double]]
    /// Caption under the column labels (e.g. "predicted").
    public var xLabel = ""
    /// Caption beside the row labels (e.g. "true").
    public var yLabel = ""

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]]) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    public func svg() -> String {
        let rows = rowLabels.count, columns = columnLabels.count
        let cell = min(64, max(22, 480 / Double(max(rows, columns, 1))))
        let left = 40 + 7 * Double(rowLabels.map(\.count).max() ?? 0), top = 48.0
        let gridWidth = cell * Double(columns), gridHeight = cell * Double(rows)
        let width = left + gridWidth + 90, height = top + gridHeight + 64
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(x: left + gridWidth / 2, y: 28, title, size: 15, anchor: .middle, bold: true)

        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        let span = high > low ? high - low : 1
        let integral = finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e9 }
        for row in 0..<rows {
            for column in 0..<columns {
                let value = values.indices.contains(row) && values[row].indices.contains(column)
                    ? values[row][column] : .nan
                let (x, y) = (left + Double(column) * cell, top + Double(row) * cell)
                let fill = value.isFinite ? ColorScale.viridis((value - low) / span) : "#bbbbbb"
                canvas.rect(x: x, y: y, width: cell, height: cell, fill: fill, stroke: "#ffffff")
                canvas.text(
                    x: x + cell / 2, y: y + cell / 2 + 4, Self.format(value, integral: integral),
                    size: min(12, cell / 3), anchor: .middle,
                    color: ColorScale.prefersDarkText(on: fill) ? "#111111" : "#ffffff")
            }
        }
        for (row, label) in rowLabels.enumerated() {
            canvas.text(x: left - 6, y: top + (Double(row) + 0.5) * cell + 4, label, size: 11, anchor: .end)
        }
        for (column, label) in columnLabels.enumerated() {
            canvas.text(x: left + (Double(column) + 0.5) * cell, y: top + gridHeight + 16, label, size: 11, anchor: .middle)
        }
        canvas.text(x: left + gridWidth / 2, y: top + gridHeight + 40, xLabel, size: 13, anchor: .middle)
        canvas.text(x: 14, y: top + gridHeight / 2, yLabel, size: 13, anchor: .middle, rotation: -90)
        drawColorBar(on: &canvas, x: left + gridWidth + 24, top: top, height: gridHeight, low: low, high: high, integral: integral)
        return canvas.svg()
    }

    private func drawColorBar(
        on canvas: inout SVGCanvas, x: Double, top: Double, height: Double, low: Double, high: Double, integral: Bool
    ) {
        let steps = 32
        for step in 0..<steps {
            let t = 1 - (Double(step) + 0.5) / Double(steps)
            canvas.rect(x: x, y: top + Double(step) * height / Double(steps), width: 14,
                        height: height / Double(steps) + 0.5, fill: ColorScale.viridis(t))
        }
        canvas.text(x: x + 18, y: top + 10, Self.format(high, integral: integral), size: 10)
        canvas.text(x: x + 18, y: top + height, Self.format(low, integral: integral), size: 10)
    }

    private static func format(_ value: Double, integral: Bool) -> String {
        guard value.isFinite else { return "\(value)" }
        return integral ? String(Int(value)) : String(format: "%.3g", value)
    }
}
