/// One set of bars of a ``BarChart``: one value per category.
public struct BarGroup: Sendable {
    public var name: String
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// Bars per category, side by side when there are several groups (e.g. before/after training).
/// Bars grow from 0, so negative values point down; non-finite values are left out.
public struct BarChart: Sendable {
    public var title: String
    public var yLabel: String
    public var categories: [String]
    public var groups: [BarGroup]
    public var width = 760.0
    public var height = 440.0

    /// Several groups of bars (each group one colour, named in the legend).
    public init(title: String, yLabel: String, categories: [String], groups: [BarGroup]) {
        self.title = title
        self.yLabel = yLabel
        self.categories = categories
        self.groups = groups
    }

    /// One unnamed group.
    public init(title: String, yLabel: String, categories: [String], values: [Double]) {
        self.init(title: title, yLabel: yLabel, categories: categories, groups: [BarGroup(name: "", values: values)])
    }

    public func svg() -> String {
        let slots = Double(max(1, categories.count))
        var xAxis = Axis(
            lower: 0, upper: slots, isLogarithmic: false,
            ticks: categories.enumerated().map { .init(value: Double($0.offset) + 0.5, label: $0.element, isMajor: true) })
        xAxis.drawsGrid = false
        let hasLegend = groups.contains { !$0.name.isEmpty }
        let area = PlotArea(
            canvasWidth: width, canvasHeight: height, hasLegend: hasLegend,
            xAxis: xAxis, yAxis: .linear(covering: groups.flatMap(\.values), includeZero: true))
        var canvas = SVGCanvas(width: width, height: height)
        area.drawFrame(on: &canvas, title: title, xLabel: "", yLabel: yLabel)
        let barWidth = 0.8 / Double(max(1, groups.count))
        var legend: [Legend.Entry] = []
        for (groupIndex, group) in groups.enumerated() {
            let color = ColorScale.categorical(groupIndex)
            for (category, value) in group.values.prefix(categories.count).enumerated() {
                let start = Double(category) + 0.1 + Double(groupIndex) * barWidth
                guard let x0 = area.x(start), let x1 = area.x(start + barWidth),
                      let yValue = area.y(value), let yZero = area.y(0)
                else { continue }
                canvas.rect(x: x0, y: min(yValue, yZero), width: x1 - x0, height: abs(yZero - yValue), fill: color)
            }
            if !group.name.isEmpty { legend.append(.init(name: group.name, color: color, marker: .box)) }
        }
        if let yZero = area.y(0) {
            canvas.line(x1: area.left, y1: yZero, x2: area.right, y2: yZero, stroke: "#444444")
        }
        Legend.draw(legend, beside: area, on: &canvas)
        return canvas.svg()
    }
}
