// Knox Guard's offline lock: a phone that has not reached the network for `days` locks itself
// (after a warning `warningDays` before), so a phone kept switched off by someone who left is
// useless even though no lock command can ever reach it. A policy reaches only a phone that is
// online, so every phone holds it from its hand-over on, not from the dismissal.
//
// `days` sits above the longest normal absence (28 days of annual leave in one go, plus a week of
// margin); longer absences (parental or sick leave) are announced by HR and exempt the phone
// until the person is back (see the lifecycle's leave-started / leave-ended events).
export const OFFLINE_LOCK = { days: 35, warningDays: 5 } as const;
