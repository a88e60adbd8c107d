// Placeholder until the dynamics module lands; replace freely.
