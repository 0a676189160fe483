-- wrk script: GET REQUEST_PATH, each request with the next of the bearer tokens in TOKENS_FILE
-- (one a line: many people, not one hot row set). A line may name its own path after the token
-- (a person's own sync cursor). Counts non-200s.
local tokens = {}
local paths = {}
local path = os.getenv("REQUEST_PATH")
for line in io.lines(os.getenv("TOKENS_FILE")) do
    local token, own = line:match("^(%S+)%s*(%S*)$")
    tokens[#tokens + 1] = token
    paths[#paths + 1] = (own ~= "" and own) or path
end
local i = math.random(#tokens)
-- ACCEPT_ENCODING=br (or gzip) asks for compressed answers, as phones do.
local encoding = os.getenv("ACCEPT_ENCODING")

request = function()
    i = i % #tokens + 1
    local headers = { ["Authorization"] = "Bearer " .. tokens[i] }
    if encoding and encoding ~= "" then
        headers["Accept-Encoding"] = encoding
    end
    return wrk.format("GET", paths[i], headers)
end
