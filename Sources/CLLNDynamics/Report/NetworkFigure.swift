import CLLNReport
import Foundation

extension TrainingResult {
    /// Before/after drawings of a pairwise network: nodes on a circle, each coupling an arrow
    /// source → target coloured by its sign and strength (blue negative, red positive, scaled to
    /// the largest |θ| of both panels), so learned pathways stand out. `nil` for systems without
    /// pairwise couplings.
    var networkFigure: String? {
        guard let network = task.system as? any PairwiseCoupled else { return nil }
        let arrows = network.couplings.filter { $0.target != $0.source }
        let largest = arrows.flatMap { [abs(task.initialParameters[$0.parameter]), abs(finalParameters[$0.parameter])] }.max() ?? 0
        let panelWidth = 380.0, height = 420.0
        var canvas = SVGCanvas(width: 2 * panelWidth, height: height)
        canvas.text(x: panelWidth, y: height - 12, "coupling: blue < 0 < red, width ∝ |θ| (max |θ| = \(String(format: "%.3g", largest)))",
                    size: 11, anchor: .middle, color: "#555555")
        for (panel, (title, parameters)) in [("before training", task.initialParameters), ("after training", finalParameters)].enumerated() {
            let center = SVGPoint(x: panelWidth * (Double(panel) + 0.5), y: 205), radius = 140.0
            let count = task.system.stateCount
            let positions = (0..<count).map { node -> SVGPoint in
                let angle = 2 * Double.pi * Double(node) / Double(count) - .pi / 2
                return SVGPoint(x: center.x + radius * cos(angle), y: center.y + radius * sin(angle))
            }
            canvas.text(x: center.x, y: 30, "\(task.name): \(title)", size: 14, anchor: .middle, bold: true)
            for coupling in arrows {
                let value = parameters[coupling.parameter]
                let strength = largest > 0 ? value / largest : 0
                guard abs(strength) > 0.02 else { continue }
                let (from, to) = (positions[coupling.source], positions[coupling.target])
                // Offset sideways so the two directions of a pair are both visible; stop at the node rim.
                let dx = to.x - from.x, dy = to.y - from.y, length = (dx * dx + dy * dy).squareRoot()
                let (ux, uy) = (dx / length, dy / length), side = 3.0, rim = 11.0
                canvas.arrow(
                    from: SVGPoint(x: from.x + ux * rim - uy * side, y: from.y + uy * rim + ux * side),
                    to: SVGPoint(x: to.x - ux * rim - uy * side, y: to.y - uy * rim + ux * side),
                    color: ColorScale.diverging(strength), width: 0.6 + 3 * abs(strength), headLength: 7)
            }
            for (node, position) in positions.enumerated() {
                canvas.circle(cx: position.x, cy: position.y, r: 9, fill: "#ffffff", stroke: "#333333", strokeWidth: 1.2)
                canvas.text(x: position.x, y: position.y - 13, task.nodeNames[node], size: 10, anchor: .middle)
            }
        }
        return canvas.svg()
    }
}
