-- create_meeting.lua - wrk script: a clerk registers meetings, each with
-- an invited person and an invited agency. MEETING_BODY (the JSON of one meeting)
-- comes from the environment; every request creates a new draft.
wrk.method = "POST"
wrk.body = os.getenv("MEETING_BODY")
wrk.headers["Content-Type"] = "application/json"
