import Foundation

/// A grid world with walls, a goal and optional slip, as a continuing task scored by the long-run
/// average reward (``TabularEnvironment/exactAverageReward(policy:)`` without resets).
///
/// The map is a list of equal-length rows: `.` a free cell, `#` a wall, `G` the goal (exactly
/// one). The states are the free cells other than the goal in reading order (row by row, left to
/// right). Actions as in ``GridNavigation``: 0 = row+1, 1 = row−1, 2 = col−1, 3 = col+1. A move
/// goes the chosen way with probability 1 − `slip` and to each of the two perpendicular
/// directions with probability `slip`/2 (slip 0.2: the 0.8/0.1/0.1 of Russell & Norvig's grid).
/// A move into a wall or off the map leaves the agent in place with `stepReward`; a move onto the
/// goal earns `goalReward` and ends the episode: the next state is drawn uniformly from all states.
/// So the average reward of a policy is `goalReward` / (mean episode length) when every state
/// reaches the goal (with `stepReward` 0), and the optimum (``TabularEnvironment/optimalPolicy(enumerationLimit:maximumIterations:)``,
/// by relative value iteration) is reached by shortest expected paths to the goal.
///
/// The goal's restart makes transitions random even without slip (``isDeterministic`` is false):
/// a trainer must draw steps with ``sampleStep(state:action:rng:)``.
public struct GridWorld: TabularEnvironment, Codable, Hashable {
    public var name: String
    public let map: [String]
    public var slip: Double
    public var goalReward: Double
    public var stepReward: Double
    public var rewardNoise: Double
    /// Where a move in each direction lands, `landings[4·state + direction]`: a state, or −1 for
    /// the goal (empty for a map that fails validation).
    private let landings: [Int]

    /// Largest number of cells: exact policy evaluation is O(states³).
    public static let maximumCells = 1_024

    enum CodingKeys: String, CodingKey {
        case name, map, slip, goalReward = "goal_reward", stepReward = "step_reward", rewardNoise = "reward_noise"
    }

    public init(name: String, map: [String], slip: Double = 0, goalReward: Double = 1, stepReward: Double = 0, rewardNoise: Double = 0) {
        self.name = name
        self.map = map
        self.slip = slip
        self.goalReward = goalReward
        self.stepReward = stepReward
        self.rewardNoise = rewardNoise
        landings = Self.landingTable(map: map)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            name: c.decode(String.self, forKey: .name), map: c.decode([String].self, forKey: .map),
            slip: c.decodeIfPresent(Double.self, forKey: .slip) ?? 0, goalReward: c.decodeIfPresent(Double.self, forKey: .goalReward) ?? 1,
            stepReward: c.decodeIfPresent(Double.self, forKey: .stepReward) ?? 0,
            rewardNoise: c.decodeIfPresent(Double.self, forKey: .rewardNoise) ?? 0)
    }

    /// The landing table of `map`; empty unless the map is rectangular with one goal.
    static func landingTable(map: [String]) -> [Int] {
        let cells = map.map(Array.init)
        guard let width = cells.first?.count, width > 0, cells.allSatisfy({ $0.count == width }),
            cells.joined().filter({ $0 == "G" }).count == 1
        else { return [] }
        let states = cells.indices.flatMap { row in cells[row].indices.filter { cells[row][$0] == "." }.map { row * width + $0 } }
        let index = Dictionary(uniqueKeysWithValues: states.enumerated().map { ($0.element, $0.offset) })
        return states.enumerated().flatMap { s, cell in
            (0..<4).map { direction -> Int in
                var (row, column) = (cell / width, cell % width)
                switch direction {
                case 0: row += 1
                case 1: row -= 1
                case 2: column -= 1
                default: column += 1
                }
                guard cells.indices.contains(row), (0..<width).contains(column), let next = index[row * width + column]
                    ?? (cells[row][column] == "G" ? -1 : nil)
                else { return s }  // off the map, a wall (or any other mark)
                return next
            }
        }
    }

    /// The named presets: `grid-5x5`, `grid-7x7` (walls, no slip) and `grid-5x5-slip`,
    /// `grid-7x7-slip` (the same maps with slip 0.2).
    public static let names = ["grid-5x5", "grid-7x7", "grid-5x5-slip", "grid-7x7-slip"]

    public static let map5x5 = [
        ".....",
        ".##..",
        "...#.",
        ".#...",
        "...#G",
    ]

    public static let map7x7 = [
        ".......",
        ".#####.",
        ".....#.",
        "####.#.",
        "...#.#.",
        ".#.....",
        ".#.##.G",
    ]

    /// The preset called `name`, nil for other names.
    public static func named(_ name: String) -> GridWorld? {
        switch name {
        case "grid-5x5": GridWorld(name: name, map: map5x5)
        case "grid-7x7": GridWorld(name: name, map: map7x7)
        case "grid-5x5-slip": GridWorld(name: name, map: map5x5, slip: 0.2)
        case "grid-7x7-slip": GridWorld(name: name, map: map7x7, slip: 0.2)
        default: nil
        }
    }

    public var rows: Int { map.count }
    public var columns: Int { map.first?.count ?? 0 }
    var cells: [[Character]] { map.map(Array.init) }

    /// (row, column) of every state, in state order.
    public var stateCells: [(row: Int, column: Int)] {
        let cells = cells
        return cells.indices.flatMap { row in cells[row].indices.filter { cells[row][$0] == "." }.map { (row, $0) } }
    }

    /// (row, column) of the goal (meaningful for a validated map).
    public var goalCell: (row: Int, column: Int) {
        let cells = cells
        for row in cells.indices { if let column = cells[row].firstIndex(of: "G") { return (row, column) } }
        return (0, 0)
    }

    public var stateCount: Int { landings.count / 4 }
    public var actionCount: Int { 4 }
    /// Episodes end at the goal; there are no periodic resets.
    public var resetPeriod: Int? { nil }
    public var isDeterministic: Bool { false }

    /// The state encoding for a network's inputs: (row/(R−1), column/(C−1)), each in [0, 1].
    public func encoding(state s: Int) -> [Double] {
        let cell = stateCells[s]
        return [Double(cell.row) / Double(max(rows - 1, 1)), Double(cell.column) / Double(max(columns - 1, 1))]
    }

    /// The landing of a move in `direction` from `state`: a state index, or nil for the goal.
    func landing(state: Int, direction: Int) -> Int? {
        let next = landings[4 * state + direction]
        return next < 0 ? nil : next
    }

    /// The directions a move in `action` takes, with their probabilities.
    func directions(_ action: Int) -> [(direction: Int, probability: Double)] {
        let perpendicular = action < 2 ? [2, 3] : [0, 1]
        guard slip > 0 else { return [(action, 1)] }
        return [(action, 1 - slip), (perpendicular[0], slip / 2), (perpendicular[1], slip / 2)]
    }

    public func meanReward(state: Int, action: Int) -> Double {
        directions(action).reduce(0) { sum, d in
            sum + d.probability * (landing(state: state, direction: d.direction) == nil ? goalReward : stepReward)
        }
    }

    /// The landing of the intended move; a move onto the goal restarts in state 0 (one of the
    /// equally likely restarts). Trainers draw steps with ``sampleStep(state:action:rng:)``.
    public func nextState(state: Int, action: Int) -> Int {
        landing(state: state, direction: action) ?? 0
    }

    public func transitionProbabilities(state: Int, action: Int) -> [(state: Int, probability: Double)] {
        var probabilities = [Double](repeating: 0, count: stateCount)
        for d in directions(action) {
            if let next = landing(state: state, direction: d.direction) {
                probabilities[next] += d.probability
            } else {
                for s in probabilities.indices { probabilities[s] += d.probability / Double(stateCount) }
            }
        }
        return probabilities.enumerated().filter { $0.element > 0 }.map { ($0.offset, $0.element) }
    }

    /// Draws the direction (one uniform number, when slip > 0), then the reward noise (when
    /// `rewardNoise` > 0), then the restart state after the goal.
    public func sampleStep(state: Int, action: Int, rng: inout SeededGenerator) -> (reward: Double, next: Int) {
        var direction = action
        if slip > 0 {
            let u = rng.uniform()
            let options = directions(action)
            direction = u < options[0].probability ? options[0].direction : (u < 1 - slip / 2 ? options[1].direction : options[2].direction)
        }
        let landed = landing(state: state, direction: direction)
        let reward = (landed == nil ? goalReward : stepReward) + (rewardNoise > 0 ? rewardNoise * rng.gaussian() : 0)
        return (reward, landed ?? rng.index(stateCount))
    }

    /// The reference's measurement clamps toward 0 V on every output (as for ``GridNavigation``).
    public func measurementLabels(state: Int) -> [Double] { [Double](repeating: 0, count: actionCount) }

    /// Checks the map (rectangular, `.`/`#`/`G` only, one goal, at most ``maximumCells`` cells,
    /// every free cell connected to the goal), slip in [0, 1] and finite rewards.
    public func validate() throws {
        let cells = cells
        guard !cells.isEmpty, cells.allSatisfy({ $0.count == columns }), columns > 0 else {
            throw LearningError.invalidTask("the map of \(name) must be non-empty rows of equal length (got lengths \(cells.map(\.count)))")
        }
        guard rows * columns <= Self.maximumCells else {
            throw LearningError.invalidTask("the map of \(name) has \(rows * columns) cells; use at most \(Self.maximumCells)")
        }
        if let bad = cells.joined().first(where: { !".#G".contains($0) }) {
            throw LearningError.invalidTask("the map of \(name) holds \"\(bad)\"; use . (free), # (wall) and G (goal) only")
        }
        let goals = cells.joined().filter { $0 == "G" }.count
        guard goals == 1 else { throw LearningError.invalidTask("the map of \(name) has \(goals) goals (G); mark exactly one") }
        guard stateCount >= 1 else { throw LearningError.invalidTask("the map of \(name) has no free cell (.) besides the goal; add one") }
        guard slip.isFinite, (0...1).contains(slip) else {
            throw LearningError.invalidTask("slip of \(name) is \(slip); give a probability in [0, 1], e.g. 0.2")
        }
        for (key, value) in [("goal_reward", goalReward), ("step_reward", stepReward)] where !value.isFinite {
            throw LearningError.invalidTask("\(key) of \(name) is \(value); give a finite reward")
        }
        // Every free cell must reach the goal (moves are symmetric, so search from the goal).
        let goal = goalCell
        var seen: Set<[Int]> = [[goal.row, goal.column]]
        var stack = [[goal.row, goal.column]]
        while let cell = stack.popLast() {
            for (dr, dc) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let (r, c) = (cell[0] + dr, cell[1] + dc)
                guard cells.indices.contains(r), cells[r].indices.contains(c), cells[r][c] == ".", !seen.contains([r, c]) else { continue }
                seen.insert([r, c])
                stack.append([r, c])
            }
        }
        if let cut = stateCells.first(where: { !seen.contains([$0.row, $0.column]) }) {
            throw LearningError.invalidTask(
                "cell (row \(cut.row), column \(cut.column)) of \(name) cannot reach the goal; open a path or make it a wall (#)")
        }
        try validateCommon()
    }
}
