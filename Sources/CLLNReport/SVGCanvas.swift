import Foundation

/// A point in SVG user units (origin top-left, y downwards).
public struct SVGPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Horizontal alignment of text relative to its anchor point (SVG `text-anchor`).
public enum TextAnchor: String, Sendable {
    case start, middle, end
}

/// Low-level SVG drawing for custom figures (networks, grid worlds); every chart is drawn with it.
///
/// Coordinates are SVG user units in a `width` × `height` viewBox; colours are any SVG colour
/// (`"#1f77b4"`, `"black"`). Text is XML-escaped. Non-finite coordinates are replaced by 0 so the
/// document always stays well-formed.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    /// - Parameter background: fill of the whole canvas, or `nil` for transparent.
    public init(width: Double, height: Double, background: String? = "#ffffff") {
        self.width = width
        self.height = height
        if let background {
            rect(x: 0, y: 0, width: width, height: height, fill: background)
        }
    }

    /// A straight segment; `dashed` uses a 6–4 dash pattern.
    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double,
        stroke: String = "#000000", width: Double = 1, dashed: Bool = false
    ) {
        elements.append(
            "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" "
                + strokeAttributes(stroke, width, dashed) + "/>")
    }

    /// A circle centred at (`cx`, `cy`).
    public mutating func circle(
        cx: Double, cy: Double, r: Double,
        fill: String = "#000000", stroke: String? = nil, strokeWidth: Double = 1
    ) {
        let outline = stroke.map { " stroke=\"\(escapeXML($0))\" stroke-width=\"\(n(strokeWidth))\"" } ?? ""
        elements.append("<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(escapeXML(fill))\"\(outline)/>")
    }

    /// An axis-aligned rectangle with top-left corner (`x`, `y`).
    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double,
        fill: String = "none", stroke: String? = nil, strokeWidth: Double = 1, opacity: Double = 1
    ) {
        let outline = stroke.map { " stroke=\"\(escapeXML($0))\" stroke-width=\"\(n(strokeWidth))\"" } ?? ""
        let alpha = opacity < 1 ? " fill-opacity=\"\(n(opacity))\"" : ""
        elements.append(
            "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\" "
                + "fill=\"\(escapeXML(fill))\"\(alpha)\(outline)/>")
    }

    /// Text whose baseline starts, centres or ends at (`x`, `y`); `rotation` is in degrees
    /// clockwise about that point.
    public mutating func text(
        x: Double, y: Double, _ string: String, size: Double = 12, anchor: TextAnchor = .start,
        color: String = "#222222", bold: Bool = false, rotation: Double = 0
    ) {
        let weight = bold ? " font-weight=\"bold\"" : ""
        let rotate = rotation != 0 ? " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" : ""
        elements.append(
            "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" "
                + "fill=\"\(escapeXML(color))\"\(weight)\(rotate)>\(escapeXML(string))</text>")
    }

    /// An open polyline through `points` (fewer than two points draw nothing).
    public mutating func polyline(
        _ points: [SVGPoint], stroke: String = "#000000", width: Double = 1.5, dashed: Bool = false
    ) {
        guard points.count >= 2 else { return }
        elements.append(
            "<polyline points=\"\(pointList(points))\" fill=\"none\" stroke-linejoin=\"round\" "
                + strokeAttributes(stroke, width, dashed) + "/>")
    }

    /// A closed, filled polygon.
    public mutating func polygon(_ points: [SVGPoint], fill: String, stroke: String? = nil) {
        guard points.count >= 3 else { return }
        let outline = stroke.map { " stroke=\"\(escapeXML($0))\"" } ?? ""
        elements.append("<polygon points=\"\(pointList(points))\" fill=\"\(escapeXML(fill))\"\(outline)/>")
    }

    /// A shaft from `from` to `to` with a filled triangular head whose tip is exactly at `to`.
    public mutating func arrow(
        from: SVGPoint, to: SVGPoint, color: String = "#000000", width: Double = 1.5, headLength: Double = 8
    ) {
        let dx = to.x - from.x, dy = to.y - from.y
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0, length.isFinite else { return }
        let (ux, uy) = (dx / length, dy / length)
        let head = min(headLength, 0.6 * length)
        let base = SVGPoint(x: to.x - ux * head, y: to.y - uy * head)
        line(x1: from.x, y1: from.y, x2: base.x, y2: base.y, stroke: color, width: width)
        let halfWidth = 0.45 * head
        polygon([
            to,
            SVGPoint(x: base.x - uy * halfWidth, y: base.y + ux * halfWidth),
            SVGPoint(x: base.x + uy * halfWidth, y: base.y - ux * halfWidth),
        ], fill: color)
    }

    /// Places another SVG document (e.g. a chart's `svg()`) with its top-left corner at (`x`, `y`),
    /// as a nested `<svg>` element: how multi-panel figures are composed.
    public mutating func embed(_ document: String, x: Double, y: Double) {
        guard let open = document.range(of: "<svg") else { return }
        var nested = document
        nested.replaceSubrange(open, with: "<svg x=\"\(n(x))\" y=\"\(n(y))\"")
        elements.append(nested.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The self-contained SVG document.
    public func svg() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
            + "width=\"\(n(width))\" height=\"\(n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    private func strokeAttributes(_ stroke: String, _ width: Double, _ dashed: Bool) -> String {
        "stroke=\"\(escapeXML(stroke))\" stroke-width=\"\(n(width))\"" + (dashed ? " stroke-dasharray=\"6 4\"" : "")
    }

    private func pointList(_ points: [SVGPoint]) -> String {
        points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
    }

    /// Coordinates with two decimals: sub-pixel exact, compact; non-finite values become 0.
    private func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
    }
}

/// Escapes the five XML special characters.
func escapeXML(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&apos;"
        default: escaped.append(character)
        }
    }
    return escaped
}
