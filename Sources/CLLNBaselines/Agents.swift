import CLLN
import Foundation

/// One step of experience: the observation (features), the action, the reward, the next
/// observation, and whether the step ended the episode in the task (no bootstrap; a truncation
/// is not terminal). `state`/`nextState` are the tabular state indices (nil for continuous tasks).
struct Transition: Sendable {
    var state: Int?
    var observation: [Float]
    var action: Int
    var reward: Double
    var nextState: Int?
    var next: [Float]
    var terminal: Bool
}

/// A value-based learner: Q-values for an observation, and learning from one transition at a
/// time (the trainer owns exploration and the environment).
protocol BaselineAgent {
    var parameterCount: Int { get }
    /// Q(s, a) for every action.
    func qValues(state: Int?, observation: [Float]) -> [Float]
    mutating func learn(_ transition: Transition, rng: inout SeededGenerator)
}

/// Tabular Q-learning (Watkins 1989): `Q(s,a) += α·(r + γ·max Q(s′,·)·(1 − terminal) − Q(s,a))`,
/// Q initialised to 0.
struct TabularQAgent: BaselineAgent {
    let actions: Int
    let alpha: Double
    let gamma: Double
    var q: [Double]

    init(states: Int, actions: Int, alpha: Double, gamma: Double) {
        self.actions = actions
        self.alpha = alpha
        self.gamma = gamma
        q = [Double](repeating: 0, count: states * actions)
    }

    var parameterCount: Int { q.count }

    func qValues(state: Int?, observation: [Float]) -> [Float] {
        let s = state ?? 0
        return (0..<actions).map { Float(q[s * actions + $0]) }
    }

    mutating func learn(_ t: Transition, rng: inout SeededGenerator) {
        guard let s = t.state, let next = t.nextState else { return }
        let best = t.terminal ? 0 : (0..<actions).map { q[next * actions + $0] }.max()!
        q[s * actions + t.action] += alpha * (t.reward + gamma * best - q[s * actions + t.action])
    }
}

/// DQN (Mnih et al. 2015): an MLP from the observation to one Q-value per action, trained on
/// minibatches drawn uniformly from a replay buffer against a target network copied every
/// `targetUpdate` steps, with the Huber loss (δ = 1, mean over the batch) and Adam; optionally
/// Double DQN's target (``NetworkSettings/doubleQ``).
struct DQNAgent: BaselineAgent {
    let settings: NetworkSettings
    let gamma: Float
    var online: MLP
    var target: MLP
    var optimizer: Adam
    var replay: ReplayBuffer
    var steps = 0

    init(inputs: Int, actions: Int, settings: NetworkSettings, gamma: Double, rng: inout SeededGenerator) {
        self.settings = settings
        self.gamma = Float(gamma)
        online = MLP(sizes: [inputs] + settings.hidden + [actions], rng: &rng)
        target = online
        optimizer = Adam(parameterCount: online.parameterCount, learningRate: settings.learningRate)
        replay = ReplayBuffer(capacity: settings.replayCapacity, width: inputs)
    }

    var parameterCount: Int { online.parameterCount }

    func qValues(state: Int?, observation: [Float]) -> [Float] { online.forward(observation, batch: 1).last! }

    mutating func learn(_ t: Transition, rng: inout SeededGenerator) {
        replay.append(t)
        steps += 1
        if steps % settings.targetUpdate == 0 { target = online }
        guard replay.count >= settings.learningStarts, steps % settings.trainEvery == 0 else { return }
        let batch = settings.batchSize, actions = online.outputCount
        let indices = replay.sample(batch, rng: &rng)
        let nextRows = replay.rows(replay.nextObservations, indices)
        let nextQ = target.forward(nextRows, batch: batch).last!
        let nextOnline = settings.doubleQ ? online.forward(nextRows, batch: batch).last! : []
        let activations = online.forward(replay.rows(replay.observations, indices), batch: batch)
        let q = activations.last!
        var outputGradient = [Float](repeating: 0, count: batch * actions)
        for (r, k) in indices.enumerated() {
            let y = replay.rewards[k] + gamma * (1 - replay.terminals[k]) * bootstrap(nextQ, online: nextOnline, row: r)
            let a = replay.actions[k]
            outputGradient[r * actions + a] = huberGradient(q[r * actions + a] - y) / Float(batch)
        }
        optimizer.update(&online.parameters, gradient: online.gradient(activations: activations, outputGradient: outputGradient, batch: batch))
    }

    /// The bootstrapped value of next-state row `r`: `max_a target[r, a]`, or with Double DQN
    /// `target[r, a*]` at the online network's greedy action a* (lowest index on a tie).
    func bootstrap(_ target: [Float], online: [Float], row r: Int) -> Float {
        let actions = self.online.outputCount
        let row = (r * actions)..<((r + 1) * actions)
        guard settings.doubleQ else { return target[row].max()! }
        let best = row.max { online[$0] < online[$1] || (online[$0] == online[$1] && $0 > $1) }!
        return target[best]
    }
}

/// A backprop-free local agent in the style of Artificial Dopamine / ARQ (seed
/// `arq-local-rl.txt`): a stack of cells, each a one-hidden-layer perceptron whose input is the
/// observation, the candidate action (one-hot) and the hidden activity of the cell below. Cell l
/// reads its own value as the spread of its output vector y (D units):
///
///     Q_l(s, a) = √(mean_i (y_i − ȳ)² + 1e-6) − B
///
/// (ARQ's RMS after subtracting the mean; B = max(0, −r_min)/(1 − γ) lets the non-negative spread
/// represent negative values). Each cell minimises its own Huber TD error against its own target
/// copy, `r + γ·max_a′ Q_l^target(s′, a′)`; the activity it receives from below is an input, so no
/// gradient crosses cells. The agent acts on the mean of the cells' Q (layer-wise averaging).
/// Simplified against AD/ARQ: no attention and no top-down connection from the cell above.
struct LocalAgent: BaselineAgent {
    let settings: NetworkSettings
    let gamma: Float
    let offset: Float
    let inputs: Int
    let actions: Int
    var cells: [MLP]
    var targets: [MLP]
    var optimizers: [Adam]
    var replay: ReplayBuffer
    var steps = 0

    init(inputs: Int, actions: Int, settings: NetworkSettings, gamma: Double, minimumReward: Double, rng: inout SeededGenerator) {
        self.settings = settings
        self.gamma = Float(gamma)
        offset = Float(max(0, -minimumReward) / (1 - gamma))
        self.inputs = inputs
        self.actions = actions
        let width = settings.hidden.first ?? 32
        cells = (0..<settings.cells).map { l in
            MLP(sizes: [inputs + actions + (l > 0 ? width : 0), width, settings.readoutWidth], rng: &rng)
        }
        targets = cells
        optimizers = cells.map { Adam(parameterCount: $0.parameterCount, learningRate: settings.learningRate) }
        replay = ReplayBuffer(capacity: settings.replayCapacity, width: inputs)
    }

    var parameterCount: Int { cells.reduce(0) { $0 + $1.parameterCount } }

    /// Per cell, the activations of `networks` on `rows` (observations, batch × inputs) paired
    /// with `chosen` actions (one per row).
    func chain(_ networks: [MLP], rows: [Float], chosen: [Int]) -> [[[Float]]] {
        let batch = chosen.count
        var below: [Float] = []
        var result: [[[Float]]] = []
        for cell in networks {
            let width = cell.sizes[0]
            var x = [Float](repeating: 0, count: batch * width)
            let h = below.count / batch
            x.withUnsafeMutableBufferPointer { x in
                rows.withUnsafeBufferPointer { rows in
                    below.withUnsafeBufferPointer { below in
                        for r in 0..<batch {
                            let xr = x.baseAddress! + r * width
                            for i in 0..<inputs { xr[i] = rows[r * inputs + i] }
                            xr[inputs + chosen[r]] = 1
                            for i in 0..<h { xr[inputs + actions + i] = below[r * h + i] }
                        }
                    }
                }
            }
            let activations = cell.forward(x, batch: batch)
            below = activations[1]
            result.append(activations)
        }
        return result
    }

    /// The spread readout of every row of `y` (batch × D), and its mean and spread per row.
    func readout(_ y: [Float], batch: Int) -> [(q: Float, mean: Float, spread: Float)] {
        let d = y.count / batch
        return y.withUnsafeBufferPointer { y in
            (0..<batch).map { r in
                let row = y.baseAddress! + r * d
                var sum: Float = 0
                for i in 0..<d { sum += row[i] }
                let mean = sum / Float(d)
                var squares: Float = 0
                for i in 0..<d { squares += (row[i] - mean) * (row[i] - mean) }
                let spread = (squares / Float(d) + 1e-6).squareRoot()
                return (spread - offset, mean, spread)
            }
        }
    }

    /// Q of every cell for every (row, action): `[cell][row · actions + action]`.
    func cellValues(_ networks: [MLP], rows: [Float], batch: Int) -> [[Float]] {
        var repeated = [Float](repeating: 0, count: batch * actions * inputs)
        for r in 0..<batch {
            for a in 0..<actions { for i in 0..<inputs { repeated[(r * actions + a) * inputs + i] = rows[r * inputs + i] } }
        }
        let chosen = (0..<(batch * actions)).map { $0 % actions }
        return chain(networks, rows: repeated, chosen: chosen).map { readout($0.last!, batch: batch * actions).map(\.q) }
    }

    func qValues(state: Int?, observation: [Float]) -> [Float] {
        let values = cellValues(cells, rows: observation, batch: 1)
        return (0..<actions).map { a in values.reduce(0) { $0 + $1[a] } / Float(values.count) }
    }

    mutating func learn(_ t: Transition, rng: inout SeededGenerator) {
        replay.append(t)
        steps += 1
        if steps % settings.targetUpdate == 0 { targets = cells }
        guard replay.count >= settings.learningStarts, steps % settings.trainEvery == 0 else { return }
        let batch = settings.batchSize
        let indices = replay.sample(batch, rng: &rng)
        let nextValues = cellValues(targets, rows: replay.rows(replay.nextObservations, indices), batch: batch)
        let activations = chain(cells, rows: replay.rows(replay.observations, indices), chosen: indices.map { replay.actions[$0] })
        for l in cells.indices {
            let y = activations[l].last!
            let d = y.count / batch
            var outputGradient = [Float](repeating: 0, count: y.count)
            for (r, (q, mean, spread)) in readout(y, batch: batch).enumerated() {
                let k = indices[r]
                let best = nextValues[l][(r * actions)..<((r + 1) * actions)].max()!
                let target = replay.rewards[k] + gamma * (1 - replay.terminals[k]) * best
                // dQ/dy_i = (y_i − ȳ)/(D·spread); the mean's own term cancels since Σ(y_i − ȳ) = 0.
                let g = huberGradient(q - target) / Float(batch) / (Float(d) * spread)
                for i in 0..<d { outputGradient[r * d + i] = g * (y[r * d + i] - mean) }
            }
            optimizers[l].update(
                &cells[l].parameters, gradient: cells[l].gradient(activations: activations[l], outputGradient: outputGradient, batch: batch))
        }
    }
}
