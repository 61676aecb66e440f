"""The demo data set's vocabulary: names in many scripts, organisations, titles, subjects,
commitments, goals, notes and personal details the generator (``crb_tui.store.demo``) draws
from. Nothing here is anyone real."""

from __future__ import annotations

# fmt: off

FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Amara", "Noah", "Priya", "Mateo", "Sofia", "Ethan", "Aisha", "Lucas",
    "Hannah", "Omar", "Chloé", "Daniel", "Mei", "Samuel", "Ingrid", "Kwame", "Elena", "Rafael",
    "Yuki", "Grace", "Tomás", "Fatima", "Jonas", "Leila", "Marcus", "Anika", "Felix", "Nadia",
    "Oscar", "Ravi", "Clara", "Emeka", "Freya", "Hugo", "Isla", "Jamal", "Katarzyna", "Luca",
    "Maya", "Nikolai", "Aurélie", "Pedro", "Rosa", "Stefan", "Tara", "Victor", "Wen", "Zara",
    "Ben", "Charlotte", "Diego", "Emily", "François", "Gabriel", "Harriet", "Ivan", "Julia",
    "Karim", "Laura", "Mohammed", "Nora", "Patrick", "Renée", "Søren", "Thomas", "Ulrike",
    "Valentina", "William", "Xavier", "Yasmin", "Adam", "Bianca", "Conor", "Dalia", "Erik",
    "Jürgen", "Małgorzata", "Björn", "Íñigo", "Siobhán", "Ananya", "Chidi", "Lena", "Arjun",
    "Sakura", "Malik", "Astrid", "Teodor", "Ama", "Rohan", "Imogen", "Joaquín", "Hiroshi",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Patel", "Nguyen", "García", "Müller", "Nowak", "O'Brien", "Kowalski",
    "Okafor", "Singh", "Rossi", "Dubois", "Andersson", "Ivanova", "Costa", "Silva", "Tanaka",
    "Haddad", "Mensah", "Fernández", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Hughes",
    "Byrne", "Murphy", "van der Berg", "Lefèvre", "Schröder", "Wójcik", "Ólafsson", "Şahin",
    "Yılmaz", "Đorđević", "Kim", "Chen", "Khan", "Ali", "Johansson", "Novak", "Moreau",
    "Bianchi", "Santos", "Kaur", "Adeyemi", "Campbell", "Fischer", "Jensen", "Lindqvist",
    "Martin", "Nakamura", "Petrov", "Reyes", "Sato", "Thompson", "Wright", "Zhang", "Abbott",
    "Bauer", "Clarke", "Dlamini", "Eriksen", "Fitzgerald", "Gonzalez", "Horvath", "Iyer",
    "Kovács", "Larsen", "MacLeod", "Nair", "Osei", "Papadakis", "Quinn", "Richter", "Schmidt",
)
# Names in their own script: (display name, given name to use in text, e-mail local part).
NATIVE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("김민준", "민준", "minjun.kim"),
    ("이서연", "서연", "seoyeon.lee"),
    ("王芳", "王芳", "fang.wang"),
    ("李伟", "李伟", "wei.li"),
    ("佐藤 健", "健", "ken.sato"),
    ("Αλέξανδρος Παπαδόπουλος", "Αλέξανδρος", "alexandros.papadopoulos"),
    ("Дмитрий Соколов", "Дмитрий", "dmitry.sokolov"),
    ("Nguyễn Thị Hương", "Hương", "huong.nguyen"),
)
# Always present (when there are enough people): non-ASCII names and one hostile one that must be
# displayed literally, never read as markup.
SHOWCASE: tuple[tuple[str, str, str], ...] = (
    ("Zoë Lefèvre", "Zoë", "zoe.lefevre"),
    ("José García", "José", "jose.garcia"),
    ("Łukasz Nowak", "Łukasz", "lukasz.nowak"),
    ("김민준", "민준", "minjun.kim"),
    ("[bold red]Evil[/]", "[bold red]Evil[/]", "evil.markup"),
)

ORG_WORDS: tuple[str, ...] = (
    "Northwind", "Bluefin", "Kestrel", "Ironbark", "Larkspur", "Meridian", "Copperleaf",
    "Halcyon", "Brightwater", "Quarry", "Juniper", "Tidewater", "Foxglove", "Aster", "Basalt",
    "Cobalt", "Driftwood", "Ember", "Fjord", "Granite", "Harbour", "Indigo", "Kiln", "Lumen",
    "Marlow", "Nimbus", "Orchard", "Pebble", "Quill", "Rookery", "Saffron", "Thistle", "Umber",
    "Vantage", "Willow", "Yarrow", "Zephyr", "Alder", "Birch", "Cedar", "Dovetail", "Elm",
    "Fernhill", "Glasshouse", "Heron", "Inkwell", "Jetty", "Keystone", "Lantern", "Mosaic",
    "Nettle", "Otter", "Pinecone", "Riverstone", "Skylark", "Tamarind", "Upland", "Verdant",
    "Wren", "Bramble",
)
ORG_KINDS: tuple[str, ...] = (
    "Labs", "Analytics", "Ventures", "Capital", "Health", "Robotics", "Logistics", "Studio",
    "Partners", "Systems", "Foods", "Energy", "Bio", "Cloud", "Security", "Media", "Works",
    "Consulting", "Group", "Software", "Learning", "Mobility", "Insurance", "Legal", "Design",
    "Data", "Payments", "Retail", "Outdoor", "Games",
)
SHOWCASE_ORGS: tuple[tuple[str, str], ...] = (
    ("Müller & Söhne GmbH", "mueller-soehne.de"),
    ("Łódź Robotics", "lodzrobotics.pl"),
    ("Café Olé Studio", "cafeole.studio"),
    ("Nørrebro Design", "norrebro.design"),
    ("서울 Ventures", "seoulventures.kr"),
)
TLDS: tuple[str, ...] = (".com", ".com", ".com", ".io", ".co", ".co.uk", ".de", ".fr", ".ai")
PERSONAL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

TITLES: tuple[str, ...] = (
    "CEO", "CTO", "COO", "Founder", "Co-founder", "Head of Sales", "VP Engineering",
    "Product Manager", "Partner", "Investor", "Account Executive", "Designer",
    "Head of Partnerships", "Procurement Lead", "Recruiter", "Angel investor", "Data Scientist",
    "Marketing Director", "Head of Operations", "CFO", "Engineering Manager", "Consultant",
    "Customer Success Manager", "General Counsel", "Chief of Staff",
)
EVENTS: tuple[str, ...] = (
    "SaaStr", "Web Summit", "the Lisbon offsite", "the founders' dinner", "PyCon",
    "the Berlin meetup", "Slush", "the board meeting", "the demo day", "the customer summit",
)
TOPICS: tuple[str, ...] = (
    "the proposal", "pricing", "the Q3 roadmap", "the pilot", "the contract", "hiring",
    "the board deck", "our partnership", "the offsite", "the integration", "the renewal",
    "the case study", "the API", "onboarding", "the security review", "the launch plan",
    "the budget", "the reference call", "the data migration", "the SOW", "the intro",
)
EMAIL_SUBJECTS: tuple[str, ...] = (
    "Following up on {topic}", "Quick question about {topic}", "Thoughts on {topic}?",
    "{org}: {topic}", "Notes from our call", "Catch up next week?", "Thanks for yesterday",
    "Slides from {event}", "Intro: {first} <> {other}", "Update on {topic}",
    "Draft of {topic} attached", "Can we move our call?", "Congrats on the launch!",
    "Invoice {num} from {org}", "Re-sending {topic}", "Coffee in {city}?",
    "Feedback on {topic}", "{first}, a question", "Next steps on {topic}",
    "Great to meet you at {event}",
)
ONE_WAY_SUBJECTS: tuple[str, ...] = (
    "Quick intro", "Following up", "Checking in", "Any thoughts on my last note?",
    "Would love 15 minutes", "Idea for {org}", "Saw your talk at {event}",
    "Re: {topic} for {org}", "One more try", "Congrats on the new role",
)
MEETING_SUBJECTS: tuple[str, ...] = (
    "Coffee with {first}", "{org} quarterly review", "Lunch with {first}",
    "Working session: {topic}", "Intro call: {org}", "{first} / weekly sync", "Demo for {org}",
    "Dinner at {event}", "Walk and talk with {first}", "Kick-off: {topic}",
)
CALL_SUBJECTS: tuple[str, ...] = (
    "Call with {first}", "Quick call re {topic}", "Phone: {first}", "Catch-up call",
)
QUICK_REPLIES = ("Thanks again!", "See you there!")
"""Answers to a message (two, as many draws as before: the data set stays the same)."""
MESSAGE_SUBJECTS: tuple[str, ...] = (
    "Running 5 min late", "Thanks again!", "Are you at {event}?", "Sent you the link",
    "Congrats!!", "Call later?", "Got it, thanks", "See you Thursday", "Happy birthday!",
    "Did you see this?",
)
NOTE_SUBJECTS: tuple[str, ...] = (
    "Bumped into {first} at {event}", "Chatted with {first} after {event}",
    "Met {first} at the school gate",
)
CITIES: tuple[str, ...] = (
    "London", "Berlin", "Lisbon", "New York", "Warsaw", "Seoul", "Paris", "Dublin", "Austin",
)

COMMIT_OUT: tuple[str, ...] = (
    "Send {first} the proposal", "Share the deck from {event}", "Intro {first} to {other}",
    "Review {first}'s pitch deck", "Send pricing for the pilot", "Send the case study",
    "Book the quarterly review with {org}", "Send the signed NDA", "Share notes from our call",
    "Recommend an accountant to {first}", "Send the reference list", "Draft the SOW for {org}",
)
COMMIT_IN: tuple[str, ...] = (
    "{first} sends the contract draft", "{first} intros me to their CFO",
    "{first} shares the usage numbers", "{first} sends feedback on the beta",
    "{first} confirms the budget for {topic}", "{first} replies about the offsite dates",
    "{first} sends the signed order form", "{first} checks with legal about {topic}",
)
VALUE_NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "intro": {
        "given": ("Introduced {first} to {other} at {org2}", "Intro to a senior hire candidate"),
        "received": ("{first} introduced me to {other} at {org2}", "Warm intro to their CTO"),
    },
    "advice": {
        "given": ("Advice on pricing the enterprise tier", "Helped prep for the board meeting"),
        "received": ("Advice on hiring a head of sales", "Feedback on our pitch narrative"),
    },
    "resource": {
        "given": ("Sent the hiring scorecard template", "Shared our security questionnaire"),
        "received": ("Sent me the SaaS metrics playbook", "Shared their onboarding checklist"),
    },
    "referral": {
        "given": ("Referred {org2} as a customer", "Referred a designer for their rebrand"),
        "received": ("Referred {org2} to us", "Recommended us to a portfolio company"),
    },
    "deal": {
        "given": ("Signed: annual licence", "Renewal, two years", "Pilot converted to contract"),
        "received": ("Bought their consulting package", "Signed their data contract"),
    },
    "other": {
        "given": ("Sent flowers after the launch", "Spoke at their meetup"),
        "received": ("Invited me to speak at {event}", "Hosted us at their office"),
    },
}
VALUE_KIND_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("intro", 25), ("advice", 25), ("resource", 20), ("referral", 10), ("other", 10), ("deal", 10),
)
GOALS: tuple[str, ...] = (
    "Raise a Series A by Q3", "Hire a head of sales", "Expand into the German market",
    "Find a new role in product", "Get ISO 27001 certified", "Cut churn below 3%",
    "Launch the self-serve plan", "Move the team to a four-day week", "Close a strategic partner",
    "Sell the company in the next two years", "Build a developer community",
    "Find a co-founder with a technical background", "Grow the London office to 40 people",
    "Replace their CRM this year", "Publish a book on leadership", "Get promoted to VP",
)
NOTES: tuple[str, ...] = (
    "Prefers short e-mails; calls only when urgent.", "Decision maker is their CFO, not them.",
    "Was burnt by a previous vendor; wants references.", "Moving to Lisbon in the spring.",
    "Always books meetings early in the morning.", "Runs a small angel syndicate on the side.",
    "Budget cycle starts in October.", "Knows everyone in the Berlin climate scene.",
    "Went quiet after the reorg; new boss is {other}.", "Mentors first-time founders.",
)
THEIR_WORDS: tuple[str, ...] = (
    "\u201cWe need SSO before we can roll this out further.\u201d",
    "\u201cHonestly the onboarding took us three weeks; it should take three days.\u201d",
    "\u201cIf you can get us an intro to {org2}, that would be huge.\u201d",
    "\u201cWhat we really need is help hiring senior engineers.\u201d",
    "\u201cThe reporting is the reason we renewed.\u201d",
    "\u201cPlease stop sending me the newsletter, just write to me.\u201d",
    "\u201cOur board wants us profitable by next year, everything else is secondary.\u201d",
    "\u201cI'd love to speak at {event} if you have a slot.\u201d",
)
DETAILS: dict[str, tuple[str, ...]] = {
    "coffee": ("oat flat white", "double espresso", "decaf cortado", "green tea, no coffee",
               "black americano"),
    "family": ("partner Sam, two kids (Ava 7, Leo 4)", "married to Priya; daughter starts school "
               "in September", "new baby (Noah) born in March", "twin boys, both play rugby",
               "looks after their mother in Porto"),
    "likes": ("trail running", "Wes Anderson films", "sourdough baking", "Arsenal",
              "sailing", "jazz records", "climbing", "board games"),
    "food": ("vegetarian", "no shellfish (allergy)", "loves Korean barbecue", "gluten-free"),
    "pets": ("a greyhound called Biscuit", "two cats, Miso and Tofu", "a very old tortoise"),
    "cares_about": ("mentoring women in engineering", "climate tech", "their local football "
                    "club", "open source"),
    "hometown": ("Cork", "Kraków", "Busan", "Porto", "Leeds", "Lagos", "Valencia"),
}

