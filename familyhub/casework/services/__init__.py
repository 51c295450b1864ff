"""Every write of casework (invariant 1): contacts and visits, caseloads, referrals, outcomes,
feedback, enquiries and complaints (R-ENGAGE-4..9).

Each service checks the actor's capability and scope, validates (every problem at its field, as an
`ApplicationError`), writes inside one transaction, records the change (`core.services.ChangeSet`,
filed under the family so that it appears on the family's timeline) and writes an access-log row
naming the family's members. Views, the demo and the tests call these and nothing else.
"""
