import CLLNReport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Parses `text` as XML and returns the element names in document order, or `nil` if malformed.
private func xmlElements(_ text: String) -> [String]? {
    final class Collector: NSObject, XMLParserDelegate {
        var names: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            names.append(name)
        }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let collector = Collector()
    parser.delegate = collector
    return parser.parse() ? collector.names : nil
}

/// The numeric values of every `attribute="…"` in `svg`.
private func numbers(in svg: String, attribute: String) -> [Double] {
    svg.components(separatedBy: "\(attribute)=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
}

@Suite("CLLNReport")
struct ReportTests {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func atomicWriteCreatesFoldersReplacesContentAndLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a/b/result.json")
        try AtomicFile.write("first", to: file)
        try AtomicFile.write(Data("second".utf8), to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "second")
        let siblings = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
        #expect(siblings == ["result.json"])
    }

    @Test func atomicWriteIntoAFileInsteadOfAFolderThrows() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("blocker")
        try AtomicFile.write("x", to: blocker)
        #expect(throws: (any Error).self) { try AtomicFile.write("y", to: blocker.appendingPathComponent("child")) }
    }

    @Test func csvQuotesOnlyWhatRFC4180Requires() {
        var table = CSVTable(header: ["name", "value"])
        table.append(["plain", "a,b"])
        table.append(["say \"hi\"", "line\nbreak"])
        table.append([0.1, -Double.infinity])
        #expect(table.text == "name,value\nplain,\"a,b\"\n\"say \"\"hi\"\"\",\"line\nbreak\"\n0.1,-inf\n")
    }

    @Test func csvDoublesRoundTrip() {
        var table = CSVTable(header: ["x"])
        let value = 1.0 / 3.0
        table.append([value])
        #expect(Double(table.text.split(separator: "\n")[1]) == value)
    }

    @Test func jsonIsSortedAndSurvivesNonFiniteNumbers() throws {
        struct Summary: Encodable { let zeta: Double; let alpha: Double; let url: String }
        let text = String(decoding: try JSONOutput.encode(Summary(zeta: .nan, alpha: .infinity, url: "a/b")), as: UTF8.self)
        #expect(text.contains("\"nan\""))
        #expect(text.contains("\"inf\""))
        #expect(text.contains("a/b"))
        #expect(text.range(of: "alpha")!.lowerBound < text.range(of: "zeta")!.lowerBound)
    }

    @Test func lineChartIsWellFormedAndEscapesText() throws {
        var chart = LineChart(title: "cost <&> \"η\"", xLabel: "step", yLabel: "cost")
        chart.series = [
            LineSeries(name: "train", x: [0, 1, 2, 3], y: [4, 3, 2, 1]),
            LineSeries(name: "test", x: [0, 1, 2, 3, 4, 5], y: [4, 3.5, .nan, 2.5, 2, .infinity], dashed: true),
        ]
        chart.horizontalLines = [ReferenceLine(value: 1.5, label: "target")]
        chart.verticalLines = [ReferenceLine(value: 2, label: "damage at step 2")]
        let svg = chart.svg()
        let elements = try #require(xmlElements(svg))
        #expect(elements.first == "svg")
        #expect(elements.filter { $0 == "polyline" }.count == 3)  // the NaN splits the second series
        #expect(svg.contains("cost &lt;&amp;&gt; &quot;η&quot;"))
        #expect(svg.contains("viewBox"))
    }

    @Test func logAxesIgnoreNonPositiveValues() throws {
        var chart = LineChart(title: "log", xLabel: "x", yLabel: "y")
        chart.xLog = true
        chart.yLog = true
        chart.series = [LineSeries(name: "s", x: [-1, 0, 1, 10, 100], y: [5, 5, 1e-3, 1e-2, 0])]
        let svg = chart.svg()
        #expect(xmlElements(svg) != nil)
        #expect(svg.contains(">0.001<"))  // decade ticks from the positive data
        #expect(svg.contains(">10<"))
        #expect(!svg.contains("nan"))
    }

    @Test func allNonFiniteDataStillRender() throws {
        var line = LineChart(title: "empty", xLabel: "x", yLabel: "y")
        line.series = [LineSeries(name: "nan", x: [.nan, .nan], y: [.nan, .infinity])]
        line.yLog = true
        let scatter = ScatterChart(title: "s", xLabel: "x", yLabel: "y", series: [ScatterSeries(name: "p", x: [.nan], y: [1])])
        var histogram = Histogram(title: "h", xLabel: "v", values: [.nan, 1, 1, 2, .infinity], bins: 4)
        histogram.yLog = true
        let bars = BarChart(title: "b", yLabel: "v", categories: ["a", "b"], values: [.nan, -1])
        let heat = Heatmap(title: "m", rowLabels: ["r"], columnLabels: ["c1", "c2"], values: [[.nan, 3]])
        for svg in [line.svg(), scatter.svg(), histogram.svg(), bars.svg(), heat.svg()] {
            #expect(xmlElements(svg) != nil)
            #expect(!svg.contains("\"nan\"") && !svg.contains("\"inf\""))
        }
    }

    @Test func histogramCountsEveryFiniteValueOnce() {
        let histogram = Histogram(title: "h", xLabel: "v", values: [0, 0.5, 1, 1, 2, .nan], bins: 2)
        #expect(histogram.counts.counts == [2, 3])
        #expect(histogram.counts.edges == [0, 1, 2])
    }

    @Test func scatterDiagonalAndGroupedBars() throws {
        var scatter = ScatterChart(title: "fit", xLabel: "true", yLabel: "predicted",
                                   series: [ScatterSeries(name: "test", x: [0, 1, 2], y: [0.1, 0.9, 2.2])])
        scatter.diagonal = true
        let scatterElements = try #require(xmlElements(scatter.svg()))
        #expect(scatterElements.filter { $0 == "circle" }.count == 4)  // 3 points + legend dot
        let bars = BarChart(title: "acc", yLabel: "accuracy", categories: ["AND", "OR"],
                            groups: [BarGroup(name: "before", values: [0.5, 0.25]), BarGroup(name: "after", values: [1, 1])])
        let barElements = try #require(xmlElements(bars.svg()))
        #expect(barElements.filter { $0 == "rect" }.count >= 4 + 2 + 1)  // bars, legend boxes, frame
    }

    @Test func heatmapPrintsEveryCellValue() throws {
        let heat = Heatmap(title: "confusion", rowLabels: ["a", "b"], columnLabels: ["a", "b"], values: [[5, 1], [0, 7]])
        let svg = heat.svg()
        #expect(xmlElements(svg) != nil)
        for value in ["5", "1", "0", "7"] { #expect(svg.contains(">\(value)<")) }
    }

    @Test func canvasPrimitivesAndColorScale() throws {
        var canvas = SVGCanvas(width: 100, height: 80)
        canvas.line(x1: 0, y1: 0, x2: 10, y2: 10, stroke: "red", width: 2, dashed: true)
        canvas.circle(cx: 5, cy: 5, r: 2)
        canvas.rect(x: 1, y: 1, width: 3, height: 3, fill: "blue")
        canvas.text(x: 50, y: 40, "a < b", size: 10, anchor: .middle)
        canvas.arrow(from: SVGPoint(x: 0, y: 0), to: SVGPoint(x: 30, y: 40), color: "#00ff00")
        canvas.polyline([SVGPoint(x: 0, y: 0), SVGPoint(x: .nan, y: 1)])
        let elements = try #require(xmlElements(canvas.svg()))
        #expect(elements == ["svg", "rect", "line", "circle", "rect", "text", "line", "polygon", "polyline"])
        #expect(numbers(in: canvas.svg(), attribute: "r") == [2])
        #expect(ColorScale.viridis(0) == "#440154")
        #expect(ColorScale.viridis(1) == "#fde725")
        #expect(ColorScale.viridis(.nan) == ColorScale.viridis(0))
        #expect(ColorScale.diverging(0) == "#f7f7f7")
    }

    @Test func progressBarIsSilentAndSafeWithoutTerminal() async {
        let bar = ProgressBar(total: 100, label: "test")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { for _ in 0..<50 { bar.advance() } } }
        }
        bar.finish()
        bar.finish()
    }
}
