-- wrk script: GET /v1/quotas/progress for the term in TERM_ID, each request with the next of the
-- bearer tokens in TOKENS_FILE (one a line: many people, not one hot row set). Counts non-200s.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
    tokens[#tokens + 1] = line
end
local path = os.getenv("REQUEST_PATH")
local i = math.random(#tokens)

request = function()
    i = i % #tokens + 1
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end
