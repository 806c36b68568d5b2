"""Word lists the attribution rules rely on. Lower case; extend freely, they are data."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, as a set."""
    return frozenset(text.split())


# Nouns that can head an anonymous or collective speaker ("diplomatic sources say").
SPEAKER_NOUNS = words(
    """source sources official officials diplomat diplomats spokesman spokeswoman spokesperson
    spokespeople minister ministers ministry police analyst analysts expert experts witness
    witnesses resident residents aide aides people person government agency officer officers
    lawyer lawyers attorney attorneys prosecutor prosecutors investigator investigators
    researcher researchers scientist scientists doctor doctors leader leaders president chief
    head director member members activist activists observer observers authorities military army
    commander commanders department office representative representatives colleague colleagues
    friend friends neighbour neighbours neighbor neighbors survivor survivors relative relatives
    family campaigners critics supporters economist economists trader traders investor investors
    insider insiders executive executives employee employees staff group organisation
    organization company firm council committee court judge embassy statement report reports
    data figures estimates documents survey study poll records spokesmen negotiators negotiator
    lawmaker lawmakers legislator legislators senator senators mp mps protesters protester
    organisers organizers official's teachers teacher nurses nurse union unions farmers farmer
    workers worker students student parents mother father sister brother wife husband son
    daughter coalition alliance regulator regulators manager managers owner owners founder
    chairman chairwoman chair ceo cabinet administration kremlin pentagon mayor governor
    ambassador envoy envoys delegates delegate commission authority inquiry study review
    investigation analysis audit research service agencies institute force forces navy
    guard militia rebels troops"""
)
# Words before a name that are not part of it ("US Secretary of State Rex Tillerson").
TITLE_WORDS = SPEAKER_NOUNS | words(
    """mr mr. mrs mrs. ms ms. dr dr. prof prof. professor gen gen. general col col. colonel
    lt lt. lieutenant sgt sgt. sergeant capt capt. captain maj maj. major adm adm. admiral
    gov gov. sen sen. rep rep. rev rev. sir dame lord lady king queen prince princess sheikh
    emir pope cardinal bishop rabbi imam secretary secretary-general state prime deputy vice
    foreign defence defense interior finance health justice affairs economy trade energy home
    education treasury security national international acting former chief senior top
    spokesman spokeswoman premier chancellor speaker house representative congressman
    congresswoman councillor councilman councilwoman mep analyst economist journalist author
    editor correspondent reporter commentator historian coach striker candidate nominee
    president-elect first assistant associate executive managing general-secretary supreme
    high federal central regional local opposition party leader director-general commissioner
    minister-president crown navy air force marine marines army police special envoy"""
)
NATIONALITIES = words(
    """american british russian chinese french german iranian iraqi israeli palestinian syrian
    turkish ukrainian indian pakistani afghan saudi egyptian japanese korean italian spanish
    polish canadian australian mexican brazilian european kenyan nigerian african lebanese
    jordanian qatari emirati yemeni libyan sudanese hungarian greek dutch belgian swedish
    norwegian danish finnish irish scottish welsh venezuelan colombian argentine argentinian
    cuban taiwanese vietnamese thai indonesian filipino kurdish arab belarusian georgian
    armenian azerbaijani kazakh serbian swiss austrian portuguese czech romanian bulgarian
    croatian estonian latvian lithuanian ethiopian somali congolese bangladeshi malaysian
    singaporean chilean peruvian bolivian ecuadorian haitian tunisian moroccan algerian
    ghanaian ugandan tanzanian rwandan zimbabwean"""
)
# A name holding one of these is an organisation, kept as written.
ORGANISATION_WORDS = words(
    """ministry department council office agency house kremlin pentagon government police army
    party commission committee court bank union group company inc corp university institute
    organisation organization service command forces authority board parliament senate
    congress embassy foundation association alliance coalition centre center network fund
    federation nations league club hospital school church bureau administration secretariat
    cabinet assembly tribunal"""
)
# Lower-case words that may sit inside a name ("Mohammed bin Salman", "Secretary of State").
NAME_JOINERS = words("of the for and bin ibn al el de del der van von da la le du dos")
NAME_PARTICLES = words("bin ibn al el de del der van von da la le du dos")
PREPOSITIONS = words(
    """in on at following after before during with for from of despite amid as while when if
    because since than about over under into by near to across against among between"""
)
# Auxiliaries and adverbs between a speaker and the speech verb ("had previously stressed").
AUXILIARIES_AND_ADVERBS = words(
    """has have had also previously earlier later again repeatedly once then reportedly publicly
    separately recently would will just already further first last both all subsequently still
    even privately initially originally jointly now today yesterday tonight has since"""
)
# Words that open a clause before the speaker ("But officials said").
CLAUSE_OPENERS = words(
    """and but so yet however meanwhile earlier later also now then separately previously
    instead still thus moreover yesterday today tonight last"""
)
FINITE_VERBS = words(
    """is are was were will would can could should may might must do does did be been being
    am shall has have had"""
)
PRONOUNS = words("he she they it i we you")
