import Foundation
import _CLLNLinearAlgebra

/// The exact scores of a deterministic policy on a task with random transitions: the Markov chain
/// `P_π[s][s'] = P(s' | s, π(s))` with mean rewards `r_π[s] = meanReward(s, π(s))`.
///
/// - No resets: the gain of each start state, `g = lim (1/T) Σ_{t<T} P_π^t r_π`, from the chain's
///   closed classes (states from which every reachable state leads back): a class C has the gain
///   `μ_C · r_π` of its stationary distribution (μ = μ P_C, Σμ = 1), and the transient states
///   solve `(I − Q) g_T = P_{T,R} g_R` (Q: transitions among transient states). Both by dense LU
///   with partial pivoting: O(n³) for n states.
/// - Resets every P steps: from each start, the state distribution propagated P steps exactly.
///
/// `averageReward` is the mean over start states, as ``TabularEnvironment/exactAverageReward(policy:)``
/// scores deterministic tasks; NaN only if a linear system is numerically singular.
struct MarkovPolicyEvaluation {
    let n: Int
    /// Row-major n×n transition matrix of the policy.
    var p: [Double]
    /// Mean reward of each state under the policy.
    var r: [Double]
    var resetPeriod: Int?

    init<E: TabularEnvironment>(_ environment: E, policy: [Int]) {
        n = environment.stateCount
        p = [Double](repeating: 0, count: n * n)
        r = (0..<n).map { environment.meanReward(state: $0, action: policy[$0]) }
        for s in 0..<n {
            for (next, probability) in environment.transitionProbabilities(state: s, action: policy[s]) {
                p[s * n + next] += probability
            }
        }
        resetPeriod = environment.resetPeriod
    }

    var averageReward: Double {
        if let period = resetPeriod {
            var total = 0.0
            for start in 0..<n {
                var distribution = [Double](repeating: 0, count: n)
                distribution[start] = 1
                var sum = 0.0
                for _ in 0..<period {
                    var next = [Double](repeating: 0, count: n)
                    for s in 0..<n where distribution[s] > 0 {
                        sum += distribution[s] * r[s]
                        for t in 0..<n { next[t] += distribution[s] * p[s * n + t] }
                    }
                    distribution = next
                }
                total += sum / Double(period)
            }
            return total / Double(n)
        }
        return gains().reduce(0, +) / Double(n)
    }

    /// Long-run average reward from each start state (no resets).
    func gains() -> [Double] {
        // reach[s * n + t]: t is reachable from s (s reaches itself).
        var reach = [Bool](repeating: false, count: n * n)
        for s in 0..<n {
            var stack = [s]
            reach[s * n + s] = true
            while let u = stack.popLast() {
                for v in 0..<n where p[u * n + v] > 0 && !reach[s * n + v] {
                    reach[s * n + v] = true
                    stack.append(v)
                }
            }
        }
        let recurrent = (0..<n).map { s in (0..<n).allSatisfy { t in !reach[s * n + t] || reach[t * n + s] } }
        var gain = [Double](repeating: .nan, count: n)
        var assigned = [Bool](repeating: false, count: n)
        for s in 0..<n where recurrent[s] && !assigned[s] {
            let members = (0..<n).filter { reach[s * n + $0] }
            let m = members.count
            // Stationary distribution: rows j < m−1 of (P_Cᵀ − I) μ = 0, last row Σ μ = 1.
            var a = [Double](repeating: 0, count: m * m)
            var x = [Double](repeating: 0, count: m)
            for j in 0..<(m - 1) {
                for (i, state) in members.enumerated() { a[j * m + i] = p[state * n + members[j]] - (i == j ? 1 : 0) }
            }
            for i in 0..<m { a[(m - 1) * m + i] = 1 }
            x[m - 1] = 1
            guard Self.solve(m, &a, &x) else { return [Double](repeating: .nan, count: n) }
            let classGain = zip(members, x).map { r[$0] * $1 }.reduce(0, +)
            for state in members {
                gain[state] = classGain
                assigned[state] = true
            }
        }
        let transient = (0..<n).filter { !recurrent[$0] }
        let k = transient.count
        guard k > 0 else { return gain }
        var a = [Double](repeating: 0, count: k * k)
        var x = [Double](repeating: 0, count: k)
        for (row, s) in transient.enumerated() {
            for (column, t) in transient.enumerated() { a[row * k + column] = (row == column ? 1 : 0) - p[s * n + t] }
            for t in 0..<n where recurrent[t] { x[row] += p[s * n + t] * gain[t] }
        }
        guard Self.solve(k, &a, &x) else { return [Double](repeating: .nan, count: n) }
        for (row, s) in transient.enumerated() { gain[s] = x[row] }
        return gain
    }

    /// Solves the row-major m×m system `a · x = b` (b given in x) in place; false when singular.
    static func solve(_ m: Int, _ a: inout [Double], _ x: inout [Double]) -> Bool {
        var pivots = [Int](repeating: 0, count: m)
        return a.withUnsafeMutableBufferPointer { a in
            x.withUnsafeMutableBufferPointer { x in
                pivots.withUnsafeMutableBufferPointer { pivots in
                    DenseLU.factorAndSolve(n: m, a: a.baseAddress!, x: x.baseAddress!, pivots: pivots.baseAddress!)
                }
            }
        }
    }
}

/// The best long-run average reward of a task's deterministic policies and one policy reaching it.
public struct OptimalPolicy: Sendable, Codable, Hashable {
    /// How the optimum was found.
    public enum Method: String, Sendable, Codable, Hashable {
        /// Every policy scored (``TabularEnvironment/enumeratePolicies(limit:)``).
        case enumeration
        /// Relative value iteration for the average-reward criterion, then the exact score of its
        /// greedy policy.
        case valueIteration = "value-iteration"
    }

    /// ``TabularEnvironment/exactAverageReward(policy:)`` of `policy`.
    public var optimum: Double
    public var policy: [Int]
    public var method: Method
    /// An upper bound on every policy's score (value iteration's; equal to `optimum` for
    /// enumeration). `upperBound − optimum` ≤ 1e-9 certifies the optimum.
    public var upperBound: Double
}

extension TabularEnvironment {
    /// The optimal deterministic policy of a validated task under ``exactAverageReward(policy:)``.
    ///
    /// - Up to `enumerationLimit` policies: enumeration (exact; ties keep the lexicographically
    ///   first policy).
    /// - Larger tasks without resets: relative value iteration on the average-reward criterion
    ///   with the aperiodicity transform `P̃ = ½P + ½I` (Puterman §8.5.4). Its step differences
    ///   bound the optimal gain of every start state from both sides; once their span is ≤ 1e-12
    ///   the optimal gain is one number g* (the task is weakly communicating), so the best score
    ///   — a mean over start states of gains — is g*. The result is the exact score of the greedy
    ///   policy of the last iterate, returned only if it lies within 1e-9 of the upper bound.
    ///
    /// Nil when neither applies: too many policies with periodic resets (the P-step criterion has
    /// no stationary dynamic program), value iteration that does not converge within
    /// `maximumIterations` (optimal gains that differ between start states), or a greedy policy
    /// that misses the bound.
    public func optimalPolicy(enumerationLimit: Int = PolicyExtremes.enumerationLimit, maximumIterations: Int = 1_000_000) -> OptimalPolicy? {
        guard stateCount >= 1, actionCount >= 1 else { return nil }
        if let extremes = enumeratePolicies(limit: enumerationLimit) {
            return OptimalPolicy(
                optimum: extremes.optimum, policy: extremes.bestPolicy, method: .enumeration, upperBound: extremes.optimum)
        }
        guard resetPeriod == nil else { return nil }
        let (n, actions) = (stateCount, actionCount)
        let outcomes = (0..<n).map { s in (0..<actions).map { transitionProbabilities(state: s, action: $0) } }
        let rewards = (0..<n).map { s in (0..<actions).map { meanReward(state: s, action: $0) } }
        func backup(_ s: Int, _ a: Int, _ v: [Double]) -> Double {
            rewards[s][a] + outcomes[s][a].reduce(0) { $0 + $1.probability * v[$1.state] }
        }
        let tau = 0.5
        var v = [Double](repeating: 0, count: n)
        var bounds = (low: -Double.infinity, high: Double.infinity)
        for _ in 0..<maximumIterations {
            let updated = (0..<n).map { s in tau * (0..<actions).map { backup(s, $0, v) }.max()! + (1 - tau) * v[s] }
            let differences = zip(updated, v).map { $0 - $1 }
            bounds = (differences.min()! / tau, differences.max()! / tau)
            v = updated.map { $0 - updated[0] }
            if bounds.high - bounds.low <= 1e-12 { break }
        }
        guard bounds.high - bounds.low <= 1e-12 else { return nil }
        let policy = (0..<n).map { s in
            let values = (0..<actions).map { backup(s, $0, v) }
            return values.firstIndex(of: values.max()!)!
        }
        let score = exactAverageReward(policy: policy)
        guard score >= bounds.high - 1e-9 else { return nil }
        return OptimalPolicy(optimum: score, policy: policy, method: .valueIteration, upperBound: bounds.high)
    }
}
