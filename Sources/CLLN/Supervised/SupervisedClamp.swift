import Foundation

/// The clamped phase of supervised coupled learning as pure functions of the free outputs, the
/// labels and the options, so that each case can be checked by hand.
///
/// Vocabulary: *output nodes* are the topology's outputs; *logical outputs* are what the labels
/// refer to: the output nodes themselves, or with differential outputs the pair differences
/// V(2k) − V(2k+1). The clamped phase holds the output nodes at:
///
/// 1. per logical output O with label L, a *target* T: L (MSE); O itself when the shifted hinge
///    is satisfied (no nudge); with overclamping the rail on the label's side instead of L
///    (for a difference: ±(high − low)); multiclass hinge: see ``targets(outputs:labels:options:)``;
/// 2. the nudged value N = (1 − η)·O + η·T;
/// 3. single-ended: the node at N; differential: the pair at m ± N/2, with m the pair's free mean.
public enum SupervisedClamp {
    /// Logical outputs from the output-node voltages (in output order).
    public static func logicalOutputs(nodes: [Double], differential: Bool) -> [Double] {
        guard differential else { return nodes }
        return stride(from: 0, to: nodes.count - 1, by: 2).map { nodes[$0] - nodes[$0 + 1] }
    }

    /// Whether an output already satisfies the shifted hinge: it is at or beyond its label, and the
    /// label lies strictly on one side of `center`.
    public static func hingeSatisfied(output: Double, label: Double, center: Double) -> Bool {
        if label > center { return output >= label }
        if label < center { return output <= label }
        return false
    }

    /// Whether logical output `k` is left alone (not nudged) under `options`.
    static func isSatisfied(output: Double, label: Double, options: SupervisedOptions) -> Bool {
        options.loss == .hinge && hingeSatisfied(output: output, label: label, center: options.hingeCenter)
    }

    /// The target T of every logical output (step 1): the label, the output itself when the
    /// hinge is satisfied (or the output equals its label exactly under overclamping), or a rail.
    /// Multiclass hinge, while O_y − O_r falls short of the margin: T_y, T_r = the rails under
    /// overclamping, O_y ± `hingeNudge` when that is set, else O_y + shortfall/2 and O_r − shortfall/2;
    /// every other output's target is itself.
    public static func targets(outputs: [Double], labels: [Double], options: SupervisedOptions) -> [Double] {
        if options.loss == .multiclassHinge {
            guard let (y, r, shortfall) = rivalShortfall(outputs: outputs, labels: labels), shortfall > 0 else { return outputs }
            var t = outputs
            if let rails = options.overclamp {
                let span = options.differential ? rails.high - rails.low : rails.high
                let floor = options.differential ? rails.low - rails.high : rails.low
                (t[y], t[r]) = (span, floor)
            } else if let nudge = options.hingeNudge {
                (t[y], t[r]) = (outputs[y] + nudge, outputs[r] - nudge)
            } else {
                (t[y], t[r]) = (outputs[y] + shortfall / 2, outputs[r] - shortfall / 2)
            }
            return t
        }
        return zip(outputs, labels).map { o, l in
            if isSatisfied(output: o, label: l, options: options) { return o }
            guard let rails = options.overclamp else { return l }
            if o == l { return o }
            let (up, down) = options.differential
                ? (rails.high - rails.low, rails.low - rails.high)
                : (rails.high, rails.low)
            return o < l ? up : down
        }
    }

    /// The voltages the clamped phase holds the output nodes at (in output order), or `nil` when no
    /// output is nudged (every hinge satisfied, or every output exactly at its label): then the
    /// clamped phase equals the free one and the update is zero, so it need not be solved.
    ///
    /// - Parameters:
    ///   - freeNodes: the free-phase voltages of the output nodes, in output order.
    ///   - labels: one label per logical output.
    public static func clampValues(freeNodes: [Double], labels: [Double], eta: Double, options: SupervisedOptions) -> [Double]? {
        let outputs = logicalOutputs(nodes: freeNodes, differential: options.differential)
        precondition(outputs.count == labels.count, "\(labels.count) labels for \(outputs.count) logical outputs")
        let targets = targets(outputs: outputs, labels: labels, options: options)
        guard zip(outputs, targets).contains(where: { $0 != $1 }) else { return nil }
        let nudged = zip(outputs, targets).map { (1 - eta) * $0 + eta * $1 }
        guard options.differential else { return nudged }
        var clamps = freeNodes
        for (k, n) in nudged.enumerated() where n != outputs[k] {
            let mean = (freeNodes[2 * k] + freeNodes[2 * k + 1]) / 2
            clamps[2 * k] = mean + n / 2
            clamps[2 * k + 1] = mean - n / 2
        }
        return clamps
    }

    /// Multiclass hinge: the true class y (largest label), its strongest rival r (largest other
    /// output) and how far O_y − O_r falls short of the margin L_y − L_r (≤ 0: satisfied).
    public static func rivalShortfall(outputs: [Double], labels: [Double]) -> (y: Int, r: Int, shortfall: Double)? {
        guard outputs.count >= 2, let y = labels.indices.max(by: { labels[$0] < labels[$1] }) else { return nil }
        let r = outputs.indices.filter { $0 != y }.max { outputs[$0] < outputs[$1] }!
        return (y, r, (labels[y] - labels[r]) - (outputs[y] - outputs[r]))
    }

    /// Per logical output: output − label, or 0 where the hinge is satisfied (multiclass hinge:
    /// ∓shortfall/2 on the true class and its rival while the margin is not met, 0 elsewhere).
    public static func residuals(outputs: [Double], labels: [Double], options: SupervisedOptions) -> [Double] {
        if options.loss == .multiclassHinge {
            var r = [Double](repeating: 0, count: outputs.count)
            if let (y, rival, shortfall) = rivalShortfall(outputs: outputs, labels: labels), shortfall > 0 {
                (r[y], r[rival]) = (-shortfall / 2, shortfall / 2)
            }
            return r
        }
        return zip(outputs, labels).map { o, l in isSatisfied(output: o, label: l, options: options) ? 0 : o - l }
    }

    /// The example's loss: the mean over logical outputs of the squared residuals (MSE; for the
    /// hinge, squared distance to the label of the unsatisfied outputs, as in the reference).
    public static func loss(outputs: [Double], labels: [Double], options: SupervisedOptions) -> Double {
        let r = residuals(outputs: outputs, labels: labels, options: options)
        return r.isEmpty ? 0 : r.reduce(0) { $0 + $1 * $1 } / Double(r.count)
    }

    /// The example's error magnitude for error-weighted learning rates: the Euclidean norm of
    /// ``residuals(outputs:labels:options:)``.
    public static func errorMagnitude(outputs: [Double], labels: [Double], options: SupervisedOptions) -> Double {
        residuals(outputs: outputs, labels: labels, options: options).reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
