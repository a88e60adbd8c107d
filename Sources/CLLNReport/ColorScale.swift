/// Colour scales and the fixed categorical palette of all charts.
public enum ColorScale {
    /// The categorical palette (Tableau 10): series *i* gets `palette[i % 10]`.
    public static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The palette colour for series `index`.
    public static func categorical(_ index: Int) -> String {
        palette[((index % palette.count) + palette.count) % palette.count]
    }

    /// Viridis (perceptually uniform, colour-blind safe): `t` in 0...1 (clamped; NaN → 0) to `"#rrggbb"`.
    public static func viridis(_ t: Double) -> String {
        interpolate(viridisStops, t)
    }

    /// A diverging blue–white–red scale for signed quantities (edge weights, currents):
    /// `t` in -1...1 (clamped; NaN → 0), white at 0.
    public static func diverging(_ t: Double) -> String {
        interpolate(divergingStops, ((t.isNaN ? 0 : t) + 1) / 2)
    }

    /// Whether black text is more legible than white on `hex` (relative luminance above 0.45).
    public static func prefersDarkText(on hex: String) -> Bool {
        let (r, g, b) = components(hex)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45
    }

    private static let viridisStops: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530),
        (0.207, 0.372, 0.553), (0.164, 0.471, 0.558), (0.128, 0.567, 0.551),
        (0.135, 0.659, 0.518), (0.267, 0.749, 0.441), (0.478, 0.821, 0.318),
        (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
    ]

    private static let divergingStops: [(Double, Double, Double)] = [
        (0.230, 0.299, 0.754), (0.552, 0.690, 0.996), (0.970, 0.970, 0.970),
        (0.957, 0.604, 0.482), (0.706, 0.016, 0.150),
    ]

    private static func interpolate(_ stops: [(Double, Double, Double)], _ t: Double) -> String {
        let clamped = t.isNaN ? 0 : min(1, max(0, t))
        let position = clamped * Double(stops.count - 1)
        let index = min(stops.count - 2, Int(position))
        let w = position - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        return hex(a.0 + w * (b.0 - a.0), a.1 + w * (b.1 - a.1), a.2 + w * (b.2 - a.2))
    }

    private static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { channel -> String in
            let byte = Int((min(1, max(0, channel)) * 255).rounded())
            return String([digits[byte / 16], digits[byte % 16]])
        }.joined()
    }

    private static func components(_ hex: String) -> (Double, Double, Double) {
        let digits = hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex)
        guard digits.count == 6, let value = Int(digits, radix: 16) else { return (0, 0, 0) }
        return (Double((value >> 16) & 0xff) / 255, Double((value >> 8) & 0xff) / 255, Double(value & 0xff) / 255)
    }
}
